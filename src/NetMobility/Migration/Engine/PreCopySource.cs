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
/// stop; then stop-and-copy pauses the workload and sends the rest, the device state and the image digest,
/// and waits for the destination's ready. Only then is the VM released (<see cref="Ownership"/>) and
/// commit sent; any failure before that resumes the VM here (rollback). One instance, one migration.
/// </summary>
public sealed class PreCopySource
{
    private readonly IStopPolicy _policy;
    private readonly PreCopyPlanner _planner;
    private readonly object _plannerGate = new();
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SourceChannel[] _channels = [];
    private volatile bool _finished;
    private long _totalPages;
    private DateTimeOffset _begin;

    public PreCopySource(MemoryImage image, IStopPolicy policy, IWorkloadControl workload, TimeProvider clock, SourceOptions? options = null)
    {
        Image = image;
        _policy = policy;
        Workload = workload;
        Clock = clock;
        Options = options ?? new SourceOptions();
        if (Options.Channels is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(options), $"a migration uses 1 to 255 channels, not {Options.Channels}");
        _planner = new PreCopyPlanner(image.PageCount);
        Token = Options.ResumeToken ?? Guid.NewGuid();
    }

    public MemoryImage Image { get; }
    public IWorkloadControl Workload { get; }
    public TimeProvider Clock { get; }
    public SourceOptions Options { get; }
    public Guid Token { get; }
    public VmOwnership Ownership { get; } = VmOwnership.AtSource();
    internal IChannelConnector Connector { get; private set; } = null!;
    internal bool Finished => _finished;

    internal void SendAgain(int pageNumber)
    {
        lock (_plannerGate) _planner.SendAgain(pageNumber);
    }

    internal void Fail(Exception failure) => _failed.TrySetException(failure);

    /// <summary>What the destination said when it refused the stream, if it did.</summary>
    internal Exception? Failure => _failed.Task.Exception?.InnerException;

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
        string stopReason = "";
        ImageDigest digest = default;
        _channels = new SourceChannel[Options.Channels];
        for (int i = 0; i < _channels.Length; i++) _channels[i] = new SourceChannel(this, i);
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
                var decision = _policy.AfterRound(statistics);
                Workload.Throttle = decision.Throttle;
                rounds.Add(report with { Throttle = decision.Throttle });
                if (decision.Stop)
                {
                    stopReason = decision.Reason;
                    break;
                }
                round++;
                lock (_plannerGate) _planner.PlanRound(Image.DirtyLog);
            }

            pausedAt = Clock.GetUtcNow();
            Workload.Pause();
            Ownership.Pause();
            do
            {
                round++;
                lock (_plannerGate) _planner.PlanRound(Image.DirtyLog);
                var (report, _) = await RunRoundAsync(round, stopAndCopy: true, cancellationToken).ConfigureAwait(false);
                rounds.Add(report);
            }
            while (_planner.PendingCount > 0);

            digest = ImageDigest.Read(Image.ComputeDigest());
            _channels[0].WriteDeviceState(Options.DeviceState.Span);
            foreach (var channel in _channels) channel.WriteEndOfStream(new EndOfStream(round, digest));
            foreach (var channel in _channels) await channel.FlushAsync(cancellationToken).ConfigureAwait(false);

            var ready = _channels[0].WaitForReadyAsync();
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var expired = Task.Delay(Options.ReadyTimeout, Clock, timeout.Token);
                var first = await Task.WhenAny(ready, _failed.Task, expired).WaitAsync(cancellationToken).ConfigureAwait(false);
                await timeout.CancelAsync().ConfigureAwait(false);
                if (first == _failed.Task) await _failed.Task.ConfigureAwait(false);
                if (first == expired)
                    throw new MigrationFailedException(PageStreamError.ConnectionLost, $"no ready from the destination within {Options.ReadyTimeout.TotalSeconds:0.###} s");
            }
            var confirmed = await ready.ConfigureAwait(false);
            _channels[0].CatchUpClock();
            if (confirmed != digest)
                throw new MigrationFailedException(PageStreamError.DigestMismatch, $"the destination's image digest {confirmed} is not the source's {digest}");

            // The destination holds the verified image: from here on the VM belongs to it.
            Ownership.Release();
            var releasedAt = Clock.GetUtcNow();
            _finished = true;
            try
            {
                _channels[0].WriteCommit();
                await _channels[0].FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Released but the commit did not go out: the VM runs nowhere until the destination is told; never in two places.
                stopReason += "; commit not delivered";
            }
            return Build(rounds, "completed", null, stopReason, start, releasedAt, pausedAt, digest);
        }
        catch (Exception ex) when (ex is MigrationFailedException or IOException)
        {
            // A destination that refuses the stream says why before it closes: close our side (the reply
            // readers handle what already arrived) and report its reason rather than the closed connection.
            foreach (var channel in _channels) await channel.CloseAsync().ConfigureAwait(false);
            string error = Failure?.Message ?? ex.Message;
            if (Ownership.State == VmState.Paused) Ownership.RollBack();
            Workload.Resume();
            return Build(rounds, "rolled-back", error, stopReason, start, Clock.GetUtcNow(), pausedAt, default);
        }
        finally
        {
            _finished = true;
            foreach (var channel in _channels) await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<(RoundReport, RoundStatistics)> RunRoundAsync(uint round, bool stopAndCopy, CancellationToken cancellationToken)
    {
        if (_failed.Task.IsFaulted) await _failed.Task.ConfigureAwait(false);
        var roundStart = Clock.GetUtcNow();
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
            sends[i] = Task.Run(() => channel.SendRoundAsync(round, set, cancellationToken), cancellationToken);
        }
        await Task.WhenAll(sends).ConfigureAwait(false);
        if (_failed.Task.IsFaulted) await _failed.Task.ConfigureAwait(false);
        Workload.CatchUp();

        var duration = Clock.GetUtcNow() - roundStart;
        long pages = 0;
        foreach (var channel in _channels) pages += channel.PagesThisRound;
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
        var report = new RoundReport
        {
            Round = (int)round, StopAndCopy = stopAndCopy, PagesSent = pages, WireBytes = wire, LogicalBytes = pages * MemoryImage.PageSize,
            Encodings = encodings, DirtyPages = dirty, DirtyRate = statistics.DirtyRate,
            DurationMs = duration.TotalMilliseconds, Throttle = Workload.Throttle,
        };
        return (report, statistics);
    }

    private long TotalPages(long roundPages) => _totalPages += roundPages;

    private long WireBytes()
    {
        long sum = 0;
        foreach (var channel in _channels) sum += channel.WireBytes;
        return sum;
    }

    private MigrationReport Build(List<RoundReport> rounds, string outcome, string? error, string stopReason,
        DateTimeOffset start, DateTimeOffset end, DateTimeOffset? pausedAt, ImageDigest digest)
    {
        long wire = WireBytes(), logical = 0, resent = 0;
        int resumes = 0;
        var cpu = TimeSpan.Zero;
        foreach (var r in rounds) logical += r.LogicalBytes;
        foreach (var channel in _channels)
        {
            cpu += channel.CpuTime;
            resumes += channel.Resumes;
            resent += channel.ResentPages;
        }
        return new MigrationReport
        {
            Policy = _policy.Name, Workload = Workload.Name, Transport = Options.TransportName, MemoryBytes = Image.MemoryBytes,
            Channels = Options.Channels, Outcome = outcome, Error = error, StopReason = stopReason, Rounds = rounds,
            TotalTimeMs = (end - start).TotalMilliseconds,
            DowntimeMs = pausedAt is { } p && outcome == "completed" ? (end - p).TotalMilliseconds : 0,
            WireBytes = wire, LogicalBytes = logical, CompressionRatio = wire > 0 ? (double)logical / wire : 0,
            CpuTimeMs = cpu.TotalMilliseconds, Resumes = resumes, ResentPages = resent, FinalThrottle = Workload.Throttle,
            Digest = outcome == "completed" ? digest.ToString() : "",
        };
    }
}
