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
/// <see cref="GuestModel"/>. The pages of a round become batches as the engine's channels make them, by the same
/// <see cref="BatchPlan"/> (lanes, batch limits, record lengths, end-of-round records, windows): the lanes take turns
/// a batch at a time. Encoding and sending overlap as in the engine: the channels' cores encode a batch while the
/// link carries the ones before it (at most <see cref="BatchPlan.PipelineBatches"/> ahead), and a batch leaves when it
/// is encoded, the link is free and its channel's acknowledgement window has room; a pre-copy round ends when the
/// destination has acknowledged it; each channel's handshake adds a round trip.
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
    private const int DeltaLimit = PageSize / 2;

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
        private readonly BatchPlan _plan = s.Batches;
        private double _now, _cpu;
        private long _wire, _sendStamp;
        // Encoding and sending overlap: when the channels' cores finished the last batch, and when each of the last
        // PipelineBatches batches left the link (a batch is encoded at most that many batches ahead of the link).
        private double _encodedAt;
        private double[]? _sentAt;
        private long _batches;
        // Per channel, when the acknowledgements of its last WindowBatches batches come back (a batch leaves only once
        // the one that many before it is acknowledged), and when the last one does.
        private double[][]? _ackedAt;
        private long[]? _laneBatches;
        private double _lastAck;
        private readonly double _ackSeconds = (RecordFrame.HeaderLength + Ack.Length) / (s.BitsPerSecond / 8);

        public MigrationReport Execute(string workloadName)
        {
            var rounds = new List<RoundReport>();
            _sentAt = new double[_plan.PipelineBatches];
            _ackedAt = new double[_plan.Channels][];
            for (int lane = 0; lane < _plan.Channels; lane++) _ackedAt[lane] = new double[_plan.WindowBatches];
            _laneBatches = new long[_plan.Channels];
            // The channels open one after another: each stream header out, its ack back.
            for (int lane = 0; lane < _plan.Channels; lane++) Advance(2 * _latency + Serialize(RecordFrame.HeaderLength + StreamHeader.Length) + _ackSeconds);
            _wire += _plan.Channels * (RecordFrame.HeaderLength + StreamHeader.Length);
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
            long closing = PageStreamWriter.DeviceStateRecordBytes(s.DeviceStateBytes) + s.Channels * (RecordFrame.HeaderLength + EndOfStream.Length);
            _wire += closing;
            Advance(Serialize(closing), paused: true);
            Advance(2 * _latency + Serialize(RecordFrame.HeaderLength + Ready.Length), paused: true);
            // Commit goes out and the destination resumes the VM one latency later; the fixed parts are the real engine's.
            _wire += RecordFrame.HeaderLength;
            Advance(_latency + Serialize(RecordFrame.HeaderLength) + s.FixedSwitchover.TotalSeconds, paused: true);
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
            long wireStart = _wire, sent = 0, skipped = 0, batches = 0;
            var before = (long[])_encodings.Clone();
            // The pages of a pass are known once it starts: no core encodes them earlier.
            _encodedAt = Math.Max(_encodedAt, _now);
            ReadOnlySpan<ulong> set = _planner.SendSet;
            long left = _planner.SendCount;
            _rules.BeginPass(stopAndCopy);
            var limits = _plan.Limits;
            // Each channel goes through its lane in page order; the lanes take turns, a batch at a time.
            Span<int> next = stackalloc int[_plan.Channels];
            for (int lane = 0; lane < next.Length; lane++) next[lane] = _plan.NextPage(set, 0, lane);
            bool stop = false;
            for (bool any = true; any && !stop; )
            {
                any = false;
                for (int lane = 0; lane < next.Length && !stop; lane++)
                {
                    int page = next[lane];
                    if (page < 0) continue;
                    any = true;
                    int entries = 0;
                    long building = 0, entryBytes = 0;
                    bool packed = false;
                    double cpu = 0;
                    for (; page >= 0 && limits.HasRoom(entries, building); page = _plan.NextPage(set, page + 1, lane))
                    {
                        left--;
                        // Written again since the round began: dirty again, so the next round sends it anyway.
                        if (_rules.Skips(_memory.DirtyLog, page))
                        {
                            skipped++;
                            continue;
                        }
                        var (encoding, size, pageCpu) = Encode(page, round);
                        _encodings[(int)encoding]++;
                        cpu += pageCpu;
                        if (encoding == PageEncoding.Unchanged) continue;
                        entries++;
                        if (encoding is PageEncoding.Lz4 or PageEncoding.Zstd or PageEncoding.Deflate)
                        {
                            // In the block: the entry counts whole towards the batch's limit, its share of the block on the wire.
                            packed = true;
                            building += BatchPlan.EntryLength(PageSize);
                            entryBytes += size;
                        }
                        else
                        {
                            building += BatchPlan.EntryLength(size);
                            entryBytes += BatchPlan.EntryLength(size);
                        }
                    }
                    next[lane] = page;
                    sent += entries;
                    if (entries > 0) batches++;
                    // A lane's last batch may hold no entry (every page unchanged): it costs its CPU time and nothing goes out.
                    if (!FinishBatch(lane, entries > 0 ? BatchPlan.RecordLength((int)entryBytes, packed) : 0, cpu, stopAndCopy, left)) continue;
                    // QEMU's check after a batch says switch over now: the rest of every lane waits for stop-and-copy.
                    stop = _stopMidRound = true;
                    for (int l = 0; l < next.Length; l++)
                        for (int p = next[l]; p >= 0; p = _plan.NextPage(set, p + 1, l)) _planner.SendAgain(p);
                }
            }
            Advance(Serialize(_plan.EndOfRoundBytes), stopAndCopy);
            _wire += _plan.EndOfRoundBytes;
            // A pre-copy round ends when the destination has acknowledged all of it.
            if (!stopAndCopy && _lastAck > _now) Advance(_lastAck - _now);

            var encodings = new Dictionary<string, long>();
            for (int e = 0; e < _encodings.Length; e++)
                if (_encodings[e] > before[e]) encodings[((PageEncoding)e).ToString().ToLowerInvariant()] = _encodings[e] - before[e];
            double duration = _now - start;
            long dirty = _planner.OutstandingPages(_memory.DirtyLog);
            var report = new RoundReport
            {
                Round = round, StopAndCopy = stopAndCopy, PagesSent = sent, SkippedPages = skipped, Batches = batches, WireBytes = _wire - wireStart,
                LogicalBytes = sent * PageSize, Encodings = encodings, DirtyPages = dirty, DirtyRate = duration > 0 ? dirty / duration : 0,
                DurationMs = duration * 1000, Throttle = guest.Throttle,
            };
            return (report, sent);
        }

        /// <summary>
        /// Puts a batch record of <paramref name="bytes"/> octets (0: none, every page unchanged) of <paramref name="lane"/>
        /// on the link; true when the pass's rules say it ends after it, with <paramref name="left"/> pages still to go
        /// (<see cref="PassRules.StopsAfterBatch"/>, as the engine asks).
        /// </summary>
        private bool FinishBatch(int lane, long bytes, double cpu, bool paused, long left)
        {
            _wire += bytes;
            _cpu += cpu;
            // The cores encode this batch while the link carries the ones before it (as the engine's channels do, and
            // as the adaptive encoder's TransferBalance assumes), at most PipelineBatches ahead; it leaves once it is
            // encoded, the link is free and its channel's window has room. A stream of equal batches moves at the pace
            // of the busier stage.
            int slot = (int)(_batches++ % _sentAt!.Length);
            double encoded = Math.Max(_encodedAt, _sentAt[slot]) + cpu / s.Channels;
            _encodedAt = encoded;
            if (bytes == 0)
            {
                if (encoded > _now) Advance(encoded - _now, paused);
                return false;
            }
            var acks = _ackedAt![lane];
            int window = (int)(_laneBatches![lane]++ % acks.Length);
            double sent = Math.Max(Math.Max(_now, encoded), acks[window]) + Serialize(bytes);
            _sentAt[slot] = sent;
            // Its acknowledgement comes back once it has arrived and the ack has crossed the other way.
            acks[window] = sent + 2 * _latency + _ackSeconds;
            _lastAck = Math.Max(_lastAck, acks[window]);
            Advance(sent - _now, paused);
            return _rules.StopsAfterBatch(TimeSpan.FromSeconds(_now), _wire, left, _memory.DirtyLog, PageSize);
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
