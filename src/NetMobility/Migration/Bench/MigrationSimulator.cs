using NetMobility.Migration.Engine;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Bench;

/// <summary>
/// Simulates a pre-copy migration in virtual time, fast enough to fill the bench table: the same planner
/// (<see cref="PreCopyPlanner"/>) and stop policy as the engine decide the rounds; each page's encoding
/// and size come from <see cref="EncodingCalibration"/> (the real encoders' results on the seed image's
/// pages and on pages like those the workload writes); the workload's writes come from its
/// <see cref="GuestModel"/>. Encoding and sending overlap as in the engine: the channels' cores encode a batch
/// while the link carries the ones before it (at most <see cref="PipelineBatches"/> ahead), and a batch leaves
/// when it is encoded and the link is free; handshakes add their latency.
/// The stop rules' own mechanics are honoured: a policy that checks mid-round (QEMU) is asked after every
/// batch with its running bandwidth estimate (octets over the last 100 ms or more); a policy that skips pages
/// written again during a round (legacy Xen) skips them; one that finishes live (Xen stream v2) sends the
/// pages it saw with the guest running before the pause. Downtime runs from the pause to the VM running at
/// the destination: the last pages, device state and end of stream, ready back, commit out, plus the fixed
/// switchover cost measured on the real engine (<see cref="SimulationSettings.FixedSwitchover"/>).
/// </summary>
public sealed class MigrationSimulator(EncodingCalibration calibration)
{
    private const int PageSize = MemoryImage.PageSize;
    private const int BatchOverhead = RecordFrame.HeaderLength + PageBatch.HeaderLength;
    private const int EntryOverhead = PageBatch.EntryHeaderLength;
    private const int DeltaLimit = PageSize / 2;

    /// <summary>
    /// Batches the encoders may run ahead of the link: the engine's forward pipe lets a writer 4 MiB ahead of the
    /// transport before it waits (InMemoryPath's pause threshold, about a TCP socket's buffers), 16 batches of 64
    /// raw pages.
    /// </summary>
    internal const int PipelineBatches = 16;

    public MigrationReport Run(SimulationSettings settings, IStopPolicy policy, Workload workload)
    {
        int pages = (int)(settings.MemoryBytes / PageSize);
        if (pages > calibration.PageCount) throw new ArgumentException($"the calibration covers {calibration.PageCount} pages, not {pages}", nameof(settings));
        var run = new SimulatedRun(calibration, settings, policy, GuestModel.For(workload, settings.Seed), pages);
        return run.Execute(workload.Name);
    }

    private sealed class SimulatedRun(EncodingCalibration cal, SimulationSettings s, IStopPolicy policy, GuestModel guest, int pages)
    {
        private readonly SimulatedMemory _memory = new(pages);
        private readonly PreCopyPlanner _planner = new(pages);
        private readonly double _bandwidth = s.BandwidthCap > 0 ? Math.Min(s.BitsPerSecond / 8, s.BandwidthCap) : s.BitsPerSecond / 8;
        // The policy's skip and after-batch rules, with QEMU's bandwidth estimate: the engine runs the same code.
        private readonly PassRules _rules = new(policy);
        private bool _stopMidRound;
        private readonly double _latency = s.Latency.TotalSeconds;
        private TransferBalance _balance = new(s.Channels);
        private readonly (PageEncoding, double)[] _compressors =
        [
            (PageEncoding.Lz4, cal.Lz4Cost),
            (PageEncoding.Zstd, cal.ZstdCost),
            (PageEncoding.Deflate, cal.DeflateCost),
        ];
        private readonly long[] _encodings = new long[(int)PageEncoding.Deflate + 1];
        private double _now, _cpu;
        private long _wire, _sendStamp;
        // Encoding and sending overlap: when the channels' cores finished the last batch, and when each of the last
        // PipelineBatches batches left the link (a batch is encoded at most that many batches ahead of the link).
        private double _encodedAt;
        private readonly double[] _sentAt = new double[PipelineBatches];
        private long _batches;

        public MigrationReport Execute(string workloadName)
        {
            var rounds = new List<RoundReport>();
            // Stream headers out, acks back.
            Advance(2 * _latency + Serialize(s.Channels * (RecordFrame.HeaderLength + StreamHeader.Length)));
            policy.Begin(pages, PageSize);
            _planner.PlanFirstRound();
            int round = 1;
            string reason;
            long totalPages = 0;
            bool converged = false;
            long giveUp = (long)(s.GiveUpFactor * s.MemoryBytes);
            while (true)
            {
                var (report, sent) = SendRound(round, stopAndCopy: false);
                totalPages += sent;
                if (_stopMidRound)
                {
                    // The rule fitted mid-round: what the round had left joins the stop-and-copy.
                    rounds.Add(report);
                    reason = PassRules.StoppedAfterBatch;
                    converged = true;
                    break;
                }
                var statistics = new RoundStatistics
                {
                    Round = round, MemoryPages = pages, PageSize = PageSize, PagesSent = sent, WireBytes = report.WireBytes,
                    Duration = TimeSpan.FromMilliseconds(report.DurationMs), DirtyPages = _planner.OutstandingPages(_memory.DirtyLog),
                    HeldBackPages = _planner.PendingCount,
                    TotalPagesSent = totalPages, TotalWireBytes = _wire, Elapsed = TimeSpan.FromSeconds(_now), Latency = s.Latency,
                };
                var decision = policy.AfterRound(statistics);
                guest.Throttle = decision.Throttle;
                rounds.Add(report with { Throttle = decision.Throttle });
                if (decision.Stop)
                {
                    reason = decision.Reason;
                    converged = true;
                    if (decision.FinishLive)
                    {
                        round++;
                        _planner.PlanRound(_memory.DirtyLog);
                        var (live, liveSent) = SendRound(round, stopAndCopy: false);
                        totalPages += liveSent;
                        rounds.Add(live);
                    }
                    break;
                }
                if (_wire > giveUp)
                {
                    reason = $"not converged after {s.GiveUpFactor:0} x memory on the wire";
                    break;
                }
                round++;
                _planner.PlanRound(_memory.DirtyLog);
            }

            double pausedAt = _now;
            round++;
            _planner.PlanRound(_memory.DirtyLog);
            rounds.Add(SendRound(round, stopAndCopy: true).Report);
            // Device state and end of stream go out; the last octet arrives one latency later, ready comes back after another.
            Advance(Serialize(s.DeviceStateBytes + RecordFrame.HeaderLength + s.Channels * (RecordFrame.HeaderLength + EndOfStream.Length)));
            Advance(2 * _latency + Serialize(RecordFrame.HeaderLength + Ready.Length));
            // Commit goes out and the destination resumes the VM one latency later; the fixed parts are the real engine's.
            Advance(_latency + s.FixedSwitchover.TotalSeconds, paused: true);
            double downtime = _now - pausedAt;
            long logical = 0;
            foreach (var r in rounds) logical += r.LogicalBytes;
            return new MigrationReport
            {
                Policy = policy.Name, Workload = workloadName, Transport = $"simulated {Transports.PathModel.DescribeBandwidth(s.BitsPerSecond)}, {s.Latency.TotalMilliseconds:0.###} ms",
                MemoryBytes = s.MemoryBytes, Channels = s.Channels, Outcome = converged ? MigrationOutcome.Completed : MigrationOutcome.NotConverged, StopReason = reason, Rounds = rounds,
                TotalTimeMs = _now * 1000, DowntimeMs = downtime * 1000, WireBytes = _wire, LogicalBytes = logical,
                CompressionRatio = _wire > 0 ? (double)logical / _wire : 0, CpuTimeMs = _cpu * 1000, FinalThrottle = guest.Throttle,
            };
        }

        private (RoundReport Report, long Sent) SendRound(int round, bool stopAndCopy)
        {
            double start = _now;
            long wireStart = _wire, sent = 0, skipped = 0;
            var before = (long[])_encodings.Clone();
            // The pages of a pass are known once it starts: no core encodes them earlier.
            _encodedAt = Math.Max(_encodedAt, _now);
            ReadOnlySpan<ulong> set = _planner.SendSet;
            long left = _planner.SendCount;
            _rules.BeginPass(stopAndCopy);
            int inBatch = 0;
            long batchWire = 0;
            double batchCpu = 0;
            for (int word = 0; word < set.Length; word++)
            {
                ulong bits = set[word];
                while (bits != 0)
                {
                    int page = (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    left--;
                    // Written again since the round began: dirty again, so the next round sends it anyway.
                    if (_rules.Skips(_memory.DirtyLog, page))
                    {
                        skipped++;
                        continue;
                    }
                    var (encoding, size, cpu) = Encode(page, round);
                    _encodings[(int)encoding]++;
                    batchCpu += cpu;
                    if (encoding != PageEncoding.Unchanged)
                    {
                        batchWire += EntryOverhead + size;
                        sent++;
                        if (++inBatch == s.PagesPerBatch)
                        {
                            bool fits = FinishBatch(batchWire, batchCpu, stopAndCopy, left);
                            inBatch = 0;
                            batchWire = 0;
                            batchCpu = 0;
                            if (fits && FitsAfterSync(set, word, bits))
                            {
                                HoldBack(set, word, bits);
                                _stopMidRound = true;
                                word = set.Length;
                                break;
                            }
                        }
                    }
                }
            }
            if (inBatch > 0 || batchCpu > 0) FinishBatch(batchWire, batchCpu, stopAndCopy, left);
            Advance(Serialize(s.Channels * (RecordFrame.HeaderLength + PageStream.EndOfRound.Length)), stopAndCopy);
            _wire += s.Channels * (RecordFrame.HeaderLength + PageStream.EndOfRound.Length);

            var encodings = new Dictionary<string, long>();
            for (int e = 0; e < _encodings.Length; e++)
                if (_encodings[e] > before[e]) encodings[((PageEncoding)e).ToString().ToLowerInvariant()] = _encodings[e] - before[e];
            double duration = _now - start;
            long dirty = _planner.OutstandingPages(_memory.DirtyLog);
            var report = new RoundReport
            {
                Round = round, StopAndCopy = stopAndCopy, PagesSent = sent, SkippedPages = skipped, WireBytes = _wire - wireStart, LogicalBytes = sent * PageSize,
                Encodings = encodings, DirtyPages = dirty, DirtyRate = duration > 0 ? dirty / duration : 0,
                DurationMs = duration * 1000, Throttle = guest.Throttle,
            };
            return (report, sent);
        }

        /// <summary>Puts a batch on the link; true when the pass's rules say the <paramref name="left"/> pages still to send fit (see <see cref="PassRules.AfterBatch"/>).</summary>
        private bool FinishBatch(long entryBytes, double cpu, bool paused, long left)
        {
            long bytes = entryBytes > 0 ? BatchOverhead + entryBytes : 0;
            _wire += bytes;
            _cpu += cpu;
            // The cores encode this batch while the link carries the ones before it (as the engine's channels do, and
            // as the adaptive encoder's TransferBalance assumes), at most PipelineBatches ahead; it leaves once it is
            // encoded and the link is free. A stream of equal batches moves at the pace of the busier stage.
            int slot = (int)(_batches++ % PipelineBatches);
            double encoded = Math.Max(_encodedAt, _sentAt[slot]) + cpu / s.Channels;
            _encodedAt = encoded;
            double sent = Math.Max(_now, encoded) + Serialize(bytes);
            _sentAt[slot] = sent;
            Advance(sent - _now, paused);
            return _rules.AfterBatch(TimeSpan.FromSeconds(_now), _wire, left, PageSize);
        }

        /// <summary>
        /// QEMU's check after a batch, second step: the pages left in the pass fit, so a dirty-log sync adds what was
        /// written since, and the rule is asked again on the sum.
        /// </summary>
        private bool FitsAfterSync(ReadOnlySpan<ulong> set, int word, ulong bits)
        {
            long pending = 0;
            for (int w = word; w < set.Length; w++)
            {
                ulong rest = w == word ? bits : set[w];
                for (int b = 0; b < 64; b++)
                {
                    int page = (w << 6) + b;
                    if (page >= _memory.PageCount) break;
                    if ((rest >> b & 1) != 0 || _memory.DirtyLog.IsDirty(page)) pending++;
                }
            }
            long dirtyBehind = _memory.DirtyLog.CountDirty() - CountDirtyFrom(word);
            return _rules.Fits(pending + dirtyBehind, PageSize);
        }

        private long CountDirtyFrom(int word)
        {
            long n = 0;
            for (int page = word << 6; page < _memory.PageCount; page++)
                if (_memory.DirtyLog.IsDirty(page)) n++;
            return n;
        }

        /// <summary>Puts the pages of the pass not yet sent back for the stop-and-copy round.</summary>
        private void HoldBack(ReadOnlySpan<ulong> set, int word, ulong bits)
        {
            for (int w = word; w < set.Length; w++)
            {
                ulong rest = w == word ? bits : set[w];
                while (rest != 0)
                {
                    _planner.SendAgain((w << 6) + System.Numerics.BitOperations.TrailingZeroCount(rest));
                    rest &= rest - 1;
                }
            }
        }

        private void Advance(double seconds, bool paused = false)
        {
            _now += seconds;
            if (!paused) guest.Advance(_memory, seconds);
        }

        private double Serialize(long bytes) => bytes / _bandwidth;

        /// <summary>The encoding the profile's encoder would choose for the page as it is now, its payload size and CPU time.</summary>
        private (PageEncoding, int, double) Encode(int page, int round)
        {
            var chosen = Choose(page);
            // As the engine: in the first round only pages already written again go into the delta cache.
            // QEMU's XBZRLE starts after the first pass: pages enter its cache from the second pass on.
            bool cacheable = s.Encoder == EncoderProfile.Xbzrle ? round > 1 : round > 1 || _memory.DirtyLog.IsDirty(page);
            _memory.SentAt[page] = cacheable ? ++_sendStamp : 0;
            // The adaptive encoder balances sending against encoding over every page it handles.
            if (s.Encoder == EncoderProfile.Adaptive) _balance.Add(chosen.Item2 / _bandwidth, chosen.Item3);
            return chosen;
        }

        private (PageEncoding, int, double) Choose(int page)
        {
            byte content = _memory.Content[page];
            bool zero = content == (byte)WriteKind.Zero || (content == SimulatedMemory.Seed && _memory.SmallUpdates[page] == 0 && cal.IsZero(page));
            bool cached = _memory.SentAt[page] > 0 && _sendStamp - _memory.SentAt[page] < s.DeltaCachePages;
            int updates = _memory.SmallUpdates[page];
            bool rewritten = _memory.Rewritten[page];
            _memory.SmallUpdates[page] = 0;
            _memory.Rewritten[page] = false;

            switch (s.Encoder)
            {
                case EncoderProfile.Raw:
                    return (PageEncoding.Raw, PageSize, 0);
                case EncoderProfile.ZeroDetect:
                    return zero ? (PageEncoding.Zero, 0, cal.ZeroScanCost) : (PageEncoding.Raw, PageSize, cal.ZeroScanCost);
            }

            double scan = cal.ZeroScanCost;
            if (zero) return (PageEncoding.Zero, 0, scan);
            bool seed = content == SimulatedMemory.Seed;
            switch (s.Encoder)
            {
                case EncoderProfile.MultifdZstd:
                    return (PageEncoding.Zstd, seed ? cal.ZstdSize(page) : (int)Math.Ceiling(cal.WrittenZstd[content]), scan + cal.ZstdCost);
                case EncoderProfile.MultifdZlib:
                    return (PageEncoding.Deflate, seed ? cal.ZlibSize(page) : (int)Math.Ceiling(cal.WrittenZlib[content]), scan + cal.ZlibCost);
            }
            if (cached && !rewritten)
            {
                if (updates == 0) return (PageEncoding.Unchanged, 0, 2 * scan);
                double delta = cal.DeltaBytes[Math.Min(updates, 16)];
                // The encoder checks for a zero page first, then finds the cached copy and encodes the delta.
                if (updates <= 16 && delta < DeltaLimit) return (PageEncoding.Delta, (int)Math.Ceiling(delta), scan + cal.DeltaCost);
            }
            // XBZRLE sends what it cannot encode (not cached, rewritten, too many changes) as a raw page.
            if (s.Encoder == EncoderProfile.Xbzrle) return (PageEncoding.Raw, PageSize, cached ? scan + cal.DeltaCost : scan);
            // The adaptive rule (CompressorChooser): sending and encoding overlap, so the option that leaves the
            // busier of the two least busy wins, raw included.
            var best = (Encoding: PageEncoding.Raw, Bytes: (double)PageSize, Cpu: 0.0);
            double bestCost = _balance.With(PageSize / _bandwidth, scan);
            foreach (var (compressor, cpu) in _compressors)
            {
                double bytes = compressor switch
                {
                    PageEncoding.Lz4 => seed ? cal.Lz4Size(page) : cal.WrittenLz4[content],
                    PageEncoding.Zstd => seed ? cal.ZstdSize(page) : cal.WrittenZstd[content],
                    _ => seed ? cal.DeflateSize(page) : cal.WrittenDeflate[content],
                };
                double cost = _balance.With(bytes / _bandwidth, scan + cpu);
                if (bytes < PageSize && cost < bestCost) (best, bestCost) = ((compressor, bytes, cpu), cost);
            }
            if (best.Encoding != PageEncoding.Raw) return (best.Encoding, (int)Math.Ceiling(best.Bytes), scan + best.Cpu);
            return (PageEncoding.Raw, PageSize, scan);
        }
    }
}
