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
}
