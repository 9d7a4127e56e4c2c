namespace NetMobility.Lab.Site;

/// <summary>
/// One pause in place of <c>netmob lab migrate</c>'s control: the guest stopped (QMP <c>stop</c>) and resumed
/// (<c>cont</c>) in the same QEMU process at the host it runs on, nothing moved. Its stall and first echo after the resume
/// are what a pause alone costs the correspondent's traffic; set beside a migration's, the rest is what the move cost
/// (a fresh QEMU process, the handover). Times in milliseconds; a value that was not seen is null.
/// </summary>
public sealed record LabPauseRow(int Index, string Site, double PausedMs, double? TrafficStallMs, double? ResumeToFirstEchoMs,
    double? PingDuringMaxMs, double? HttpDuringMaxMs, long TcpTimeouts)
{
    /// <summary>The bound a migration's stall is held to, for this pause: the pause, one WAN round trip, and 50 ms.</summary>
    public double StallBoundMs(double wanRoundTripMs) => PausedMs + wanRoundTripMs + 50;

    internal static LabPauseRow Of(int index, LabSiteName site, DateTimeOffset stopped, DateTimeOffset resumed, CorrespondentTraffic traffic, TimeSpan settle, long timeouts)
    {
        var during = (stopped, resumed + LabMigrationRow.DuringTail);
        return new LabPauseRow(index, LabMigrationRow.Name(site), (resumed - stopped).TotalMilliseconds,
            LabMigrationRow.Stall(traffic.Echo, stopped, resumed, settle), LabMigrationRow.FirstEchoAfter(traffic.Echo, resumed),
            LabMigrationRow.Max(traffic.Ping, during), LabMigrationRow.Max(traffic.Http, during), timeouts);
    }
}
