using NetMobility.Migration.PageStream;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;

namespace NetMobility.Migration.Engine;

/// <summary>What the migration reports: its progress while it runs, and the report at its end.</summary>
public sealed partial class PreCopySource
{
    /// <summary>Where the migration stands now (thread-safe; a moment's picture).</summary>
    public MigrationProgress Progress
    {
        get
        {
            long planned, thisRound = 0;
            lock (_plannerGate) planned = _planner.SendCount;
            foreach (var channel in Volatile.Read(ref _channels)) thisRound += channel.PagesThisRound;
            return new MigrationProgress(_round, _stopAndCopy, Math.Max(0, planned - thisRound), Interlocked.Read(ref _totalPages) + thisRound,
                WireBytes(), Volatile.Read(ref _dirtyRate), _begin == default ? TimeSpan.Zero : Clock.GetUtcNow() - _begin);
        }
    }

    private long TotalPages(long roundPages) => Interlocked.Add(ref _totalPages, roundPages);

    private long WireBytes()
    {
        long sum = 0;
        foreach (var channel in _channels) sum += channel.WireBytes;
        return sum;
    }

    private MigrationReport Build(List<RoundReport> rounds, MigrationOutcome outcome, string? error, string stopReason,
        DateTimeOffset start, DateTimeOffset end, SwitchoverReport? switchover, ImageDigest digest, RollbackCause cause)
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
            Channels = Options.Channels, Outcome = outcome, Cause = cause, Error = error, StopReason = stopReason, Rounds = rounds,
            TotalTimeMs = (end - start).TotalMilliseconds,
            DowntimeMs = switchover?.TotalMs ?? 0, Switchover = switchover,
            WireBytes = wire, DeviceStateBytes = _deviceStateBytes, LogicalBytes = logical, CompressionRatio = wire > 0 ? (double)logical / wire : 0,
            CpuTimeMs = cpu.TotalMilliseconds, Resumes = resumes, ResentPages = resent, FinalThrottle = Workload.Throttle,
            Digest = outcome == MigrationOutcome.Completed ? digest.ToString() : "",
        };
    }
}
