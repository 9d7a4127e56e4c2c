using NetMobility.Lab.Vm;

namespace NetMobility.Lab.Site;

/// <summary>
/// One migration of <c>netmob lab migrate</c>: QEMU's figures (and the page engine's downtime in that mode), the pause the guest had (QMP STOP at the source to RESUME at
/// the destination), the handover (resume -> agent attached -> home agent's binding in force -> the correspondent's first
/// packet handed to the guest), the stall the correspondent's echo stream saw and when it was first answered after the resume, ping RTT and HTTP request latency medians
/// before, during and after the move (and the worst during), and the correspondent's TCP retransmission timeouts.
/// Times in milliseconds; a value that was not seen is null.
/// </summary>
public sealed record LabMigrationRow(
    int Index, string From, string To,
    long QemuDowntimeMs, double? EngineDowntimeMs, double PausedMs, double TotalMs, long QemuTotalMs, long Bytes, long QemuStreamBytes, long CopiedBytes,
    double ResumeToAttachedMs, double ResumeToBindingMs, double? ResumeToFirstPacketMs,
    double? TrafficStallMs, double? ResumeToFirstEchoMs,
    double? PingBeforeMs, double? PingDuringMs, double? PingDuringMaxMs, double? PingAfterMs,
    double? HttpBeforeMs, double? HttpDuringMs, double? HttpDuringMaxMs, double? HttpAfterMs,
    long TcpTimeouts)
{
    /// <summary>The bound the lab test holds the stall to: the guest's pause, one WAN round trip, and 50 ms.</summary>
    public double StallBoundMs(double wanRoundTripMs) => PausedMs + wanRoundTripMs + 50;

    internal static LabMigrationRow Of(int index, LabHandover move, DateTimeOffset? firstPacket, CorrespondentTraffic traffic, TimeSpan settle, long timeouts)
    {
        var m = move.Migration;
        var before = (move.Started - settle, move.Started);
        var during = (move.Started, move.Resumed + DuringTail);
        var after = (move.Resumed + DuringTail, move.Resumed + DuringTail + settle);
        var ping = traffic.Ping;
        var http = traffic.Http;
        var echo = traffic.Echo;
        double Since(DateTimeOffset t) => (t - move.Resumed).TotalMilliseconds;
        return new LabMigrationRow(index, Name(move.From), Name(move.To),
            m.Qemu.DowntimeMs, m.Engine?.DowntimeMs, m.Paused.TotalMilliseconds, m.Total.TotalMilliseconds, m.Qemu.TotalTimeMs, m.Bytes, m.Qemu.TransferredBytes, m.CopiedBytes,
            Since(move.Attached), Since(move.BindingInstalled), firstPacket is { } f ? Since(f) : null,
            Max(echo, (move.Started - TimeSpan.FromSeconds(1), move.Resumed + settle)),
            echo.Select(e => e.At + TimeSpan.FromMilliseconds(e.Ms)).Where(done => done >= move.Resumed).Select(Since).DefaultIfEmpty(double.NaN).Min() is var first && !double.IsNaN(first) ? first : null,
            Median(ping, before), Median(ping, during), Max(ping, during), Median(ping, after),
            Median(http, before), Median(http, during), Max(http, during), Median(http, after),
            timeouts);
    }

    /// <summary>"During" runs from the migration's first command to this long after the guest resumed: the handover's share.</summary>
    internal static readonly TimeSpan DuringTail = TimeSpan.FromMilliseconds(500);

    public static string Name(LabSiteName site) => site == LabSiteName.Home ? "home" : "foreign";

    private static IEnumerable<double> In(IReadOnlyList<Sample> samples, (DateTimeOffset From, DateTimeOffset To) window) =>
        samples.Where(s => s.At >= window.From && s.At < window.To).Select(s => s.Ms);

    private static double? Median(IReadOnlyList<Sample> samples, (DateTimeOffset, DateTimeOffset) window) => LabMigrationReport.Median(In(samples, window));

    private static double? Max(IReadOnlyList<Sample> samples, (DateTimeOffset, DateTimeOffset) window) =>
        In(samples, window).DefaultIfEmpty(double.NaN).Max() is var max && double.IsNaN(max) ? null : max;
}

/// <summary>The whole run: its settings, every migration, what the traffic saw overall, and medians over the migrations.</summary>
public sealed record LabMigrationReport(
    string Mode, string Workload, int MemoryMb, double WanDelayMs, double WanLossPercent,
    IReadOnlyList<LabMigrationRow> Migrations, long EchoBytes, int HttpRequests, IReadOnlyList<string> Failures)
{
    public long TcpTimeouts => Migrations.Sum(m => m.TcpTimeouts);

    public double WanRoundTripMs => 2 * WanDelayMs;

    /// <summary>The migrations whose echo stall passed the guest's pause + one WAN round trip + 50 ms.</summary>
    public IEnumerable<LabMigrationRow> StallsOverBound => Migrations.Where(m => m.TrafficStallMs is { } s && s > m.StallBoundMs(WanRoundTripMs));

    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public double? MedianOf(Func<LabMigrationRow, double?> value) => Median(Migrations.Select(value).Where(v => v.HasValue).Select(v => v!.Value));
}

/// <summary>What runs in the guest while it migrates.</summary>
public enum LabWorkload
{
    /// <summary>Nothing beyond the correspondent's traffic.</summary>
    Idle,

    /// <summary>The guest rewrites part of its RAM with random bytes every second (its memory writer).</summary>
    Memory,

    /// <summary>The correspondent's HTTP requests back to back instead of paced.</summary>
    Http,
}

/// <summary>How <c>netmob lab migrate</c> runs.</summary>
public sealed record LabMigrationOptions
{
    public required string ImageDirectory { get; init; }
    public QemuMigrationMode Mode { get; init; } = QemuMigrationMode.Qemu;
    public int Count { get; init; } = 4;
    public LabWorkload Workload { get; init; } = LabWorkload.Idle;
    public double WanDelayMs { get; init; }
    public double WanLossPercent { get; init; }

    /// <summary>The guest's RAM; small keeps TCG guests quick on a small machine.</summary>
    public int MemoryMb { get; init; } = 128;

    /// <summary>MiB the memory writer rewrites each second (workload memory).</summary>
    public int WriteMbPerSecond { get; init; } = 8;

    public string Name { get; init; } = "nmmig";
    public string StateRoot { get; init; } = LabSpec.DefaultStateRoot;

    /// <summary>The quiet time before the first and after each migration, whose samples are "before" and "after".</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A bound on each step (boot, a migration): a hang, not a synchronisation.</summary>
    public TimeSpan Bound { get; init; } = TimeSpan.FromMinutes(3);
}
