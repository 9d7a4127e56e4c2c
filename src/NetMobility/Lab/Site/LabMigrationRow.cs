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
    int Index, string Mode, string From, string To,
    long QemuDowntimeMs, double? EngineDowntimeMs, double PausedMs, double TotalMs, long QemuTotalMs, long Bytes, long QemuStreamBytes, long CopiedBytes,
    double ResumeToAttachedMs, double ResumeToBindingMs, double? ResumeToFirstPacketMs,
    double? TrafficStallMs, double? ResumeToFirstEchoMs,
    double? PingBeforeMs, double? PingDuringMs, double? PingDuringMaxMs, double? PingAfterMs,
    double? HttpBeforeMs, double? HttpDuringMs, double? HttpDuringMaxMs, double? HttpAfterMs,
    long TcpTimeouts)
{
    /// <summary>The page engine's own account of its switchover (pause, last scan, last pages, device state, verify, ready, commit, resume), in its mode.</summary>
    public NetMobility.Migration.Reports.SwitchoverReport? EngineSwitchover { get; init; }

    /// <summary>
    /// What crossed the hosts' migration link during the move, both ways, frames as the kernel counts them: the same
    /// measure for every mode, whatever each one reports of itself (QEMU 7.2 counts a multifd page before compression).
    /// </summary>
    public long LinkBytes { get; init; }

    /// <summary>Before the migration itself, outside <see cref="TotalMs"/>: the page engine's processes starting, warming up and connecting (0 otherwise).</summary>
    public double SetupMs { get; init; }

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
        return new LabMigrationRow(index, m.Mode.Name(), Name(move.From), Name(move.To),
            m.Qemu.DowntimeMs, m.Engine?.DowntimeMs, m.Paused.TotalMilliseconds, m.Total.TotalMilliseconds, m.Qemu.TotalTimeMs, m.Bytes, m.Qemu.TransferredBytes, m.CopiedBytes,
            Since(move.Attached), Since(move.BindingInstalled), firstPacket is { } f ? Since(f) : null,
            Stall(echo, move.Started, move.Resumed, settle), FirstEchoAfter(echo, move.Resumed),
            Median(ping, before), Median(ping, during), Max(ping, during), Median(ping, after),
            Median(http, before), Median(http, during), Max(http, during), Median(http, after),
            timeouts) { EngineSwitchover = m.Engine?.Switchover, SetupMs = m.Setup.TotalMilliseconds, LinkBytes = move.LinkOctets };
    }

    /// <summary>"During" runs from the migration's first command to this long after the guest resumed: the handover's share.</summary>
    internal static readonly TimeSpan DuringTail = TimeSpan.FromMilliseconds(500);

    public static string Name(LabSiteName site) => site == LabSiteName.Home ? "home" : "foreign";

    private static IEnumerable<double> In(IReadOnlyList<Sample> samples, (DateTimeOffset From, DateTimeOffset To) window) =>
        samples.Where(s => s.At >= window.From && s.At < window.To).Select(s => s.Ms);

    private static double? Median(IReadOnlyList<Sample> samples, (DateTimeOffset, DateTimeOffset) window) => LabMigrationReport.Median(In(samples, window));

    /// <summary>The longest echo round trip from a second before <paramref name="started"/> to <paramref name="settle"/> after <paramref name="resumed"/>.</summary>
    internal static double? Stall(IReadOnlyList<Sample> echo, DateTimeOffset started, DateTimeOffset resumed, TimeSpan settle) =>
        Max(echo, (started - TimeSpan.FromSeconds(1), resumed + settle));

    /// <summary>How long after <paramref name="resumed"/> the first echo round trip completed that had not completed before it.</summary>
    internal static double? FirstEchoAfter(IReadOnlyList<Sample> echo, DateTimeOffset resumed) =>
        echo.Select(e => e.At + TimeSpan.FromMilliseconds(e.Ms)).Where(done => done >= resumed).Select(done => (done - resumed).TotalMilliseconds)
            .DefaultIfEmpty(double.NaN).Min() is var first && !double.IsNaN(first) ? first : null;

    internal static double? Max(IReadOnlyList<Sample> samples, (DateTimeOffset, DateTimeOffset) window) =>
        In(samples, window).DefaultIfEmpty(double.NaN).Max() is var max && double.IsNaN(max) ? null : max;
}
