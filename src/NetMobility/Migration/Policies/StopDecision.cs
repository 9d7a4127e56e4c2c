namespace NetMobility.Migration.Policies;

/// <summary>
/// A stop policy's answer after a round: go on or stop and copy, and the workload throttle to apply
/// from now on (0 = full speed, at most 0.99). <see cref="Reason"/> is kept in the report.
/// </summary>
public readonly record struct StopDecision(bool Stop, double Throttle, string Reason)
{
    /// <summary>
    /// With <see cref="Stop"/>: send what is dirty now once more with the guest running, then pause and copy
    /// only what that last live pass left dirty (Xen's send_memory_live sends the pages the policy saw before
    /// it leaves the loop).
    /// </summary>
    public bool FinishLive { get; init; }

    public static StopDecision Continue(double throttle) => new(false, throttle, "");
    public static StopDecision StopNow(double throttle, string reason) => new(true, throttle, reason);
}
