namespace NetMobility.Migration.Policies;

/// <summary>
/// Decides after each pre-copy round whether to go on or stop and copy, and how hard to throttle the
/// workload. A policy instance serves one migration: <see cref="Begin"/> resets it.
/// </summary>
public interface IStopPolicy
{
    /// <summary>Short name used on the command line and in reports ("xen-legacy", "qemu-ac").</summary>
    string Name { get; }

    void Begin(long memoryPages, int pageSize);

    StopDecision AfterRound(in RoundStatistics round);

    /// <summary>
    /// Whether a live round leaves out a page the guest wrote again since the round began (it is dirty again,
    /// so the next round sends it anyway): legacy xc_domain_save's to_skip bitmap.
    /// </summary>
    bool SkipsRedirtiedPages => false;

    /// <summary>
    /// Whether the policy also checks during a round, after every batch (QEMU's migration thread): true when
    /// <paramref name="pendingBytes"/> would cross the link at <paramref name="bandwidth"/> (octets per second,
    /// the policy's running estimate) within its downtime limit. False for policies that decide per round only.
    /// </summary>
    bool FitsMidRound(double pendingBytes, double bandwidth) => false;
}
