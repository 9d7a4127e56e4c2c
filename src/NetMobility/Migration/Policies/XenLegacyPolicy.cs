namespace NetMobility.Migration.Policies;

/// <summary>
/// Xen's pre-copy rule before migration stream v2 (libxc xc_domain_save, as described in Clark et al.
/// 2005 and measured in Abbi 2015): stop when fewer than 50 pages were dirtied in the last round, after
/// 29 iterations, or once more than 3 x the memory has been sent. No throttling. A live round skips the pages
/// the guest wrote again since the round began (xc_domain_save peeks the dirty bitmap into to_skip): they are
/// dirty again, so the next round sends them anyway.
/// </summary>
public sealed class XenLegacyPolicy : IStopPolicy
{
    public const int DirtyPageThreshold = 50;
    public const int MaxIterations = 29;
    public const int MaxFactor = 3;

    private long _memoryPages;

    public string Name => "xen-legacy";

    public bool SkipsRedirtiedPages => true;

    public void Begin(long memoryPages, int pageSize) => _memoryPages = memoryPages;

    public StopDecision AfterRound(in RoundStatistics round)
    {
        if (round.DirtyPages < DirtyPageThreshold) return StopDecision.StopNow(0, $"fewer than {DirtyPageThreshold} dirty pages");
        if (round.Round >= MaxIterations) return StopDecision.StopNow(0, $"{MaxIterations} iterations");
        if (round.TotalPagesSent > MaxFactor * _memoryPages) return StopDecision.StopNow(0, $"more than {MaxFactor} x memory sent");
        return StopDecision.Continue(0);
    }
}
