namespace NetMobility.Migration.Policies;

/// <summary>
/// Xen migration stream v2's simple pre-copy policy (libxenguest xc_sr_save: SPP_TARGET_DIRTY_COUNT 50,
/// SPP_MAX_ITERATIONS 5): stop when fewer than 50 pages were dirtied in the last round or after 5 iterations.
/// </summary>
public sealed class XenStreamV2Policy : IStopPolicy
{
    public const int DirtyPageThreshold = 50;
    public const int MaxIterations = 5;

    public string Name => "xen-v2";

    public void Begin(long memoryPages, int pageSize) { }

    public StopDecision AfterRound(in RoundStatistics round)
    {
        if (round.DirtyPages < DirtyPageThreshold) return StopDecision.StopNow(0, $"fewer than {DirtyPageThreshold} dirty pages");
        if (round.Round >= MaxIterations) return StopDecision.StopNow(0, $"{MaxIterations} iterations");
        return StopDecision.Continue(0);
    }
}
