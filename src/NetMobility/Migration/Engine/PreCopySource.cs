using System.Diagnostics;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

/// <summary>
/// The source side of a pre-copy live migration: round 1 sends every page, later rounds the pages the
/// workload dirtied since (less the hot pages a policy defers), until the <see cref="IStopPolicy"/> says
/// stop; then stop-and-copy pauses the workload and sends the rest, the device state and the image digest
/// (kept page by page, <see cref="PageDigestTable"/>), and waits for the destination's ready. Only then is the VM released (<see cref="Ownership"/>) and
/// commit sent; any failure before that resumes the VM here (rollback). One instance, one migration.
/// </summary>
public sealed partial class PreCopySource : ISourceChannelHost
{
    private readonly IStopPolicy _policy;
    private readonly PreCopyPlanner _planner;
    private readonly object _plannerGate = new();
    // The policy's rules within a live pass (legacy Xen's skip, QEMU's check after every batch), shared with the simulator.
    private readonly PassRules _rules;
    private readonly object _rulesGate = new();
    private long _passPages, _passVisited;
    private volatile bool _stoppedAfterBatch;
    private readonly TaskCompletionSource _abort;
    private string _abortReason = "";
    private readonly TaskCompletionSource _failed;
    private SourceChannel[] _channels = [];
    private volatile bool _finished;
    private long _totalPages;
    private volatile int _round;
    private volatile bool _stopAndCopy;
    private double _dirtyRate;
    private DateTimeOffset _begin;
    private long _deviceStateBytes;

    public PreCopySource(MemoryImage image, IStopPolicy policy, IWorkloadControl workload, TimeProvider clock, SourceOptions? options = null)
    {
        Image = image;
        _policy = policy;
        Workload = workload;
        Clock = clock;
        Options = options ?? new SourceOptions();
        if (Options.Channels is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(options), $"a migration uses 1 to 255 channels, not {Options.Channels}");
        _abort = new(SignalOptions);
        _failed = new(SignalOptions);
        _planner = new PreCopyPlanner(image.PageCount);
        _rules = new PassRules(policy);
        Token = Options.ResumeToken ?? Guid.NewGuid();
        Digests = new PageDigestTable(image.PageCount, Options.Channels);
    }

    /// <summary>
    /// The error's words when a connection ended before the destination answered anything (over TLS 1.3, how a
    /// destination refuses this host's certificate: it checks it after the handshake has completed at this end).
    /// </summary>
    /// <summary>How long telling the destination of an abort may take before the source gives up on telling it.</summary>
    public static readonly TimeSpan AbortBound = TimeSpan.FromSeconds(5);

    /// <summary>How signals between the engine's flows complete: on the thread pool, or where they are set when single-threaded.</summary>
    internal TaskCreationOptions SignalOptions => Options.SingleThreaded ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously;

    public const string ClosedBeforeAnswering = "the destination closed the connection before answering the stream header";

    public MemoryImage Image { get; }
    public IWorkloadControl Workload { get; }
    public TimeProvider Clock { get; }
    public SourceOptions Options { get; }
    public Guid Token { get; }
    public VmOwnership Ownership { get; } = VmOwnership.AtSource();
    /// <summary>The image digest as the destination should hold it, kept page by page as the channels encode.</summary>
    private PageDigestTable Digests { get; }
    PageDigestTable ISourceChannelHost.Digests => Digests;
    private IChannelConnector Connector { get; set; } = null!;
    IChannelConnector ISourceChannelHost.Connector => Connector;
    bool ISourceChannelHost.Finished => _finished;
    Exception? ISourceChannelHost.Failure => Failure;

    void ISourceChannelHost.SendAgain(int pageNumber)
    {
        lock (_plannerGate) _planner.SendAgain(pageNumber);
    }

    void ISourceChannelHost.Fail(Exception failure) => _failed.TrySetException(failure);
    void ISourceChannelHost.CatchUpWorkload() => Workload.CatchUp();
    bool ISourceChannelHost.Skips(int pageNumber) => _rules.Skips(Image.DirtyLog, pageNumber);

    bool ISourceChannelHost.AfterBatch(long pagesVisited)
    {
        // Given up: the pass ends at this batch, and the migration at the end of the round.
        if (_abort.Task.IsCompleted) return true;
        lock (_rulesGate)
        {
            _passVisited += pagesVisited;
            if (_stoppedAfterBatch) return true;
            long left = Math.Max(0, _passPages - _passVisited);
            // QEMU: the rest of the pass fits at the estimate; then a dirty-log sync adds what was written since.
            if (_rules.StopsAfterBatch(Clock.GetUtcNow() - _begin, WireBytes(), left, Image.DirtyLog, MemoryImage.PageSize))
                _stoppedAfterBatch = true;
            return _stoppedAfterBatch;
        }
    }

    /// <summary>
    /// Gives the migration up (an operator's interrupt): at the next batch boundary, or before the pause or the wait for
    /// ready, the source stops, tells the destination with an abort record and resumes the VM here. Too late once the VM
    /// has been released to the destination. Thread-safe.
    /// </summary>
    public void Abort(string reason)
    {
        _abortReason = reason;
        _abort.TrySetResult();
    }

    private void ThrowIfAborted()
    {
        if (_abort.Task.IsCompleted) throw new MigrationAbortedException(_abortReason);
    }

    /// <summary>What the destination said when it refused the stream, if it did.</summary>
    private Exception? Failure => _failed.Task.Exception?.InnerException;

    /// <summary>
    /// Migrates the image. Returns the report whether the migration completed or was rolled back; the
    /// report's outcome says which, and <see cref="Ownership"/> tells where the VM is.
    /// </summary>
    public async Task<MigrationReport> MigrateAsync(IChannelConnector connector, CancellationToken cancellationToken = default)
    {
        Connector = connector;
        var rounds = new List<RoundReport>();
        var start = Clock.GetUtcNow();
        _begin = start;
        DateTimeOffset? pausedAt = null;
        Task<ReadOnlyMemory<byte>>? capturing = null;
        string stopReason = "";
        ImageDigest digest = default;
        // Published whole: the progress reader on another thread sees either no channels or all of them, never a null.
        var channels = new SourceChannel[Options.Channels];
        for (int i = 0; i < channels.Length; i++) channels[i] = new SourceChannel(this, i);
        Volatile.Write(ref _channels, channels);
        try
        {
            foreach (var channel in _channels) await channel.OpenAsync(resume: false, cancellationToken).ConfigureAwait(false);
            _policy.Begin(Image.PageCount, MemoryImage.PageSize);
            Workload.CatchUp();
            _planner.PlanFirstRound();
            uint round = 1;
            while (true)
            {
                var (report, statistics) = await RunRoundAsync(round, stopAndCopy: false, cancellationToken).ConfigureAwait(false);
                ThrowIfAborted();
                if (_stoppedAfterBatch)
                {
                    // The policy's check after a batch ended the pass: what it had left joins the stop-and-copy.
                    rounds.Add(report);
                    stopReason = PassRules.StoppedAfterBatch;
                    break;
                }
                var decision = _policy.AfterRound(statistics);
                Workload.Throttle = decision.Throttle;
                rounds.Add(report with { Throttle = decision.Throttle });
                if (decision.Stop)
                {
                    stopReason = decision.Reason;
                    if (decision.FinishLive)
                    {
                        // The pages the policy saw go out with the guest running; only what they leave dirty waits for the pause.
                        round++;
                        lock (_plannerGate) _planner.PlanRound(Image.DirtyLog);
                        var (live, _) = await RunRoundAsync(round, stopAndCopy: false, cancellationToken).ConfigureAwait(false);
                        rounds.Add(live with { Throttle = decision.Throttle });
                    }
                    break;
                }
                round++;
                lock (_plannerGate) _planner.PlanRound(Image.DirtyLog);
            }

            ThrowIfAborted();
            // Switchover: every part is timed on the source's clock, one after the other, so that they add up.
            pausedAt = Clock.GetUtcNow();
            long mark = Clock.GetTimestamp();
            await Workload.PauseAsync(cancellationToken).ConfigureAwait(false);
            Ownership.Pause();
            var pause = Lap(ref mark);
            // The hypervisor writes its device state while the last scan and the last pages go: both need only the paused VM.
            if (Options.CaptureDeviceState is not null) capturing = CaptureDeviceStateAsync(cancellationToken);
            FindChangedPages();
            var scan = Lap(ref mark);
            TimeSpan sync = TimeSpan.Zero, lastPages = TimeSpan.Zero, deviceState = TimeSpan.Zero;
            ReadOnlyMemory<byte>? state = null;
            while (true)
            {
                do
                {
                    round++;
                    lock (_plannerGate) _planner.PlanRound(Image.DirtyLog);
                    sync += Lap(ref mark);
                    var (report, _) = await RunRoundAsync(round, stopAndCopy: true, cancellationToken).ConfigureAwait(false);
                    rounds.Add(report);
                    lastPages += Lap(ref mark);
                }
                while (_planner.PendingCount > 0);
                ThrowIfAborted();
                state ??= capturing is null ? Options.DeviceState : await capturing.ConfigureAwait(false);
                _deviceStateBytes = state.Value.Length;
                bool sent = await _channels[0].SendDeviceStateAsync(state.Value, cancellationToken).ConfigureAwait(false);
                deviceState += Lap(ref mark);
                if (sent) break;
                // The main channel dropped and was resumed: one more stop-and-copy round sends what it lost (and finds any
                // other channel that dropped with it), then the whole device state goes again.
            }

            // The digest was kept page by page as the channels encoded: nothing here reads the image.
            digest = Digests.Digest;
            foreach (var channel in _channels) channel.WriteEndOfStream(new EndOfStream(round, digest));
            bool cut = false;
            foreach (var channel in _channels)
            {
                try
                {
                    await channel.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IOException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Cut as the stream ended: resumed in the wait for ready, like a cut during it.
                    cut = true;
                }
            }
            deviceState += Lap(ref mark);

            Task<Ready> ready;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // A cut meanwhile is resumed (docs/page-stream.md sec 7.1): the whole wait, reconnections included, is bounded by the ready timeout.
                ready = AwaitReadyAsync(round, state ?? default, digest, cut, timeout.Token);
                var expired = Task.Delay(Options.ReadyTimeout, Clock, timeout.Token);
                var first = await Task.WhenAny(ready, _failed.Task, expired, _abort.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
                await CancelAsync(timeout, Options.SingleThreaded).ConfigureAwait(false);
                // A resumption under way stops before anything else touches the main channel.
                if (first != ready) await SettleAsync(ready).ConfigureAwait(false);
                ThrowIfAborted();
                if (first == _failed.Task) await _failed.Task.ConfigureAwait(false);
                if (first == expired)
                    throw new MigrationFailedException(PageStreamError.ConnectionLost, $"no ready from the destination within {Options.ReadyTimeout.TotalSeconds:0.###} s");
            }
            var confirmed = await ready.ConfigureAwait(false);
            _channels[0].CatchUpClock();
            var readyWait = Lap(ref mark);
            var verify = confirmed.VerifyTime < readyWait ? confirmed.VerifyTime : readyWait;
            if (confirmed.Digest != digest)
                throw new MigrationFailedException(PageStreamError.DigestMismatch, $"the destination's image digest {confirmed.Digest} is not the source's {digest}");

            // The destination holds the verified image: from here on the VM belongs to it.
            Ownership.Release();
            var releasedAt = Clock.GetUtcNow();
            Options.Released?.Invoke();
            _finished = true;
            var resumed = _channels[0].WaitForResumedAsync();
            bool committed = true;
            try
            {
                _channels[0].WriteCommit();
                await _channels[0].FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Released but the commit did not go out: the VM runs nowhere until the destination is told; never in two places.
                stopReason += "; commit not delivered";
                committed = false;
            }
            var commit = Lap(ref mark);
            var resume = committed ? await AwaitResumedAsync(resumed, mark, cancellationToken).ConfigureAwait(false) : null;
            if (committed && resume is null) stopReason += "; resumption not confirmed";
            var switchover = new SwitchoverReport
            {
                PausedAtMs = (pausedAt.Value - start).TotalMilliseconds, ReleasedAtMs = (releasedAt - start).TotalMilliseconds,
                PauseMs = pause.TotalMilliseconds, DirtyScanMs = scan.TotalMilliseconds, DirtyLogSyncMs = sync.TotalMilliseconds, LastPagesMs = lastPages.TotalMilliseconds,
                DeviceStateMs = deviceState.TotalMilliseconds, DestinationVerifyMs = verify.TotalMilliseconds,
                ReadyMs = (readyWait - verify).TotalMilliseconds, CommitMs = commit.TotalMilliseconds,
                ResumeMs = resume?.TotalMilliseconds ?? 0, ResumeConfirmed = resume is not null,
            };
            return Build(rounds, MigrationOutcome.Completed, null, stopReason, start, releasedAt, switchover, digest, RollbackCause.None);
        }
        catch (Exception ex) when (ex is MigrationFailedException or IOException
            || (ex is OperationCanceledException && _abort.Task.IsCompleted && Ownership.State != VmState.Released))
        {
            bool aborted = _abort.Task.IsCompleted;
            bool told = false;
            if (aborted && ex is not OperationCanceledException)
            {
                // Given up between batches: each channel's stream is whole, so the destination can be told (bounded).
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bound.CancelAfter(AbortBound);
                foreach (var channel in _channels) await channel.AbortAsync(_abortReason, bound.Token).ConfigureAwait(false);
                told = true;
            }
            // A destination that refuses the stream says why before it closes: close our side (the reply
            // readers handle what already arrived) and report its reason rather than the closed connection.
            foreach (var channel in _channels) await channel.CloseAsync().ConfigureAwait(false);
            string error = aborted
                ? $"cancelled ({_abortReason}); the destination {(told ? "was told" : "was not told (the connection did not move)")}"
                : Failure?.Message ?? ex.Message;
            var cause = aborted ? RollbackCause.Cancelled : ex is StreamNotAnsweredException ? RollbackCause.NotAnswered : RollbackCause.Failed;
            if (Ownership.State == VmState.Paused) Ownership.RollBack();
            await SettleCaptureAsync(capturing).ConfigureAwait(false);
            await Workload.ResumeAsync().ConfigureAwait(false);
            return Build(rounds, MigrationOutcome.RolledBack, error, stopReason, start, Clock.GetUtcNow(), null, default, cause);
        }
        finally
        {
            _finished = true;
            foreach (var channel in _channels) await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<(RoundReport, RoundStatistics)> RunRoundAsync(uint round, bool stopAndCopy, CancellationToken cancellationToken)
    {
        _round = (int)round;
        _stopAndCopy = stopAndCopy;
        if (_failed.Task.IsFaulted) await _failed.Task.ConfigureAwait(false);
        var roundStart = Clock.GetUtcNow();
        lock (_rulesGate)
        {
            _rules.BeginPass(stopAndCopy);
            _passPages = _planner.SendCount;
            _passVisited = 0;
            _stoppedAfterBatch = false;
        }
        long wireBefore = WireBytes();
        var counts = new long[(int)PageEncoding.Deflate + 1];
        foreach (var channel in _channels)
            for (int e = 0; e < counts.Length; e++) counts[e] += channel.EncodingCounts[e];
        // Each channel encodes and sends its lane in parallel: the encoders run on as many cores as there are channels.
        var sends = new Task[_channels.Length];
        var set = _planner.SendSetWords;
        for (int i = 0; i < _channels.Length; i++)
        {
            var channel = _channels[i];
            sends[i] = Options.SingleThreaded
                ? channel.SendRoundAsync(round, set, cancellationToken)
                : Task.Run(() => channel.SendRoundAsync(round, set, cancellationToken), cancellationToken);
        }
        await Task.WhenAll(sends).ConfigureAwait(false);
        if (!stopAndCopy)
        {
            // A pre-copy round ends when the destination has applied it: what is still on its way would otherwise
            // delay the stop-and-copy round, and the policy decides on the pages dirtied while it travelled too.
            await Task.WhenAll(_channels.Select(c => c.DrainAsync(cancellationToken))).ConfigureAwait(false);
            foreach (var channel in _channels) channel.CatchUpClock();
        }
        if (_failed.Task.IsFaulted) await _failed.Task.ConfigureAwait(false);
        Workload.CatchUp();
        var duration = Clock.GetUtcNow() - roundStart;
        // With the guest running, the pages it changed during the round are found now, so that the policy decides on them
        // and the next round sends them; with it paused, the switchover scanned once before the first stop-and-copy round.
        var scan = TimeSpan.Zero;
        if (!stopAndCopy && Options.DirtyTracking == DirtyTracking.Compare)
        {
            long scanStart = Clock.GetTimestamp();
            FindChangedPages();
            scan = Clock.GetElapsedTime(scanStart);
        }
        long pages = 0, skipped = 0, batches = 0;
        foreach (var channel in _channels)
        {
            pages += channel.PagesThisRound;
            skipped += channel.SkippedThisRound;
            batches += channel.BatchesThisRound;
        }
        var encodings = new Dictionary<string, long>();
        for (int e = 0; e < counts.Length; e++)
        {
            long n = 0;
            foreach (var channel in _channels) n += channel.EncodingCounts[e];
            n -= counts[e];
            if (n > 0) encodings[((PageEncoding)e).ToString().ToLowerInvariant()] = n;
        }
        long wire = WireBytes() - wireBefore;
        long dirty;
        lock (_plannerGate) dirty = _planner.OutstandingPages(Image.DirtyLog);
        var statistics = new RoundStatistics
        {
            Round = (int)round, MemoryPages = Image.PageCount, PageSize = MemoryImage.PageSize, PagesSent = pages, WireBytes = wire,
            Duration = duration, DirtyPages = dirty, HeldBackPages = _planner.PendingCount, TotalPagesSent = TotalPages(pages), TotalWireBytes = WireBytes(), Elapsed = Clock.GetUtcNow() - _begin,
        };
        Volatile.Write(ref _dirtyRate, statistics.DirtyRate);
        var report = new RoundReport
        {
            Round = (int)round, StopAndCopy = stopAndCopy, PagesSent = pages, SkippedPages = skipped, Batches = batches, WireBytes = wire, LogicalBytes = pages * MemoryImage.PageSize,
            Encodings = encodings, DirtyPages = dirty, DirtyRate = statistics.DirtyRate,
            DurationMs = duration.TotalMilliseconds, ScanMs = scan.TotalMilliseconds, Throttle = Workload.Throttle,
        };
        return (report, statistics);
    }
}
