namespace NetMobility.Migration.Policies;

/// <summary>
/// Xen migration stream v2's simple pre-copy policy (libxenguest xg_sr_save.c, simple_precopy_policy:
/// SPP_TARGET_DIRTY_COUNT 50, SPP_MAX_ITERATIONS 5): stop when fewer than 50 pages were dirtied in the last
/// round or after 5 iterations. Its end game is send_memory_live's: the policy is asked before each pass and
/// the pages it saw are sent live before the loop breaks, so only what that last pass left dirty is sent with
/// the guest suspended (<see cref="StopDecision.FinishLive"/>).
/// </summary>
public sealed class XenStreamV2Policy : IStopPolicy
{
    public const int DirtyPageThreshold = 50;
    public const int MaxIterations = 5;

    public string Name => "xen-v2";

    public void Begin(long memoryPages, int pageSize) { }

    public StopDecision AfterRound(in RoundStatistics round)
    {
        if (round.DirtyPages < DirtyPageThreshold) return StopDecision.StopNow(0, $"fewer than {DirtyPageThreshold} dirty pages") with { FinishLive = true };
        if (round.Round >= MaxIterations) return StopDecision.StopNow(0, $"{MaxIterations} iterations") with { FinishLive = true };
        return StopDecision.Continue(0);
    }
}
