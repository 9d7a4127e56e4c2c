namespace NetMobility.Migration.Policies;

/// <summary>
/// What a stop policy asks of a live pass besides its decision after it, in one place for the engine
/// (<c>PreCopySource</c>) and the bench's simulator, so that the two cannot drift: legacy Xen's skip of pages the
/// guest wrote again since the pass began (<see cref="IStopPolicy.SkipsRedirtiedPages"/>), and QEMU's check after
/// every batch (<see cref="IStopPolicy.FitsMidRound"/>) against its bandwidth estimate: octets put on the link over
/// the last <see cref="EstimatePeriod"/> or more, as QEMU's migration thread measures it. One instance per migration;
/// not thread-safe (the engine calls it under its lock).
/// </summary>
public sealed class PassRules(IStopPolicy policy)
{
    /// <summary>QEMU recomputes its bandwidth estimate once this much time has passed (migration_update_counters, 100 ms).</summary>
    public static readonly TimeSpan EstimatePeriod = TimeSpan.FromMilliseconds(100);

    private TimeSpan _estimateStart;
    private long _estimateWire;
    private bool _live;

    /// <summary>Octets per second over the last completed estimate period; 0 before the first.</summary>
    public double Bandwidth { get; private set; }

    /// <summary>Starts a pass: the rules apply to live passes only (stop-and-copy sends everything, the guest paused).</summary>
    public void BeginPass(bool stopAndCopy) => _live = !stopAndCopy;

    /// <summary>True when the live pass leaves <paramref name="page"/> out: the policy skips re-dirtied pages and the guest wrote it again since the pass began (the next pass sends it anyway).</summary>
    public bool Skips(DirtyLog log, int page) => _live && policy.SkipsRedirtiedPages && log.IsDirty(page);

    /// <summary>
    /// After a batch: updates the estimate with the octets on the link so far (<paramref name="totalWire"/>) at
    /// <paramref name="now"/>. Returns true when the policy checks during a live pass and the pages still to send in it
    /// (<paramref name="pagesLeft"/>) fit its limit at the estimate: then the caller syncs the dirty log and asks
    /// <see cref="Fits"/> on the sum, as QEMU does before it switches over.
    /// </summary>
    public bool AfterBatch(TimeSpan now, long totalWire, long pagesLeft, int pageSize)
    {
        if (now - _estimateStart >= EstimatePeriod)
        {
            Bandwidth = (totalWire - _estimateWire) / (now - _estimateStart).TotalSeconds;
            _estimateStart = now;
            _estimateWire = totalWire;
        }
        return _live && Fits(pagesLeft, pageSize);
    }

    /// <summary>
    /// After a batch, QEMU's whole check: <see cref="AfterBatch"/>, then, when the pages left fit, a dirty-log sync adds
    /// what the guest wrote since (<paramref name="log"/>'s dirty pages) and the sum must fit too. True: the pass ends here
    /// and what it had left joins the stop-and-copy.
    /// </summary>
    public bool StopsAfterBatch(TimeSpan now, long totalWire, long pagesLeft, DirtyLog log, int pageSize) =>
        AfterBatch(now, totalWire, pagesLeft, pageSize) && Fits(pagesLeft + log.CountDirty(), pageSize);

    /// <summary>Whether <paramref name="pages"/> pages would cross the link within the policy's limit at the current estimate.</summary>
    public bool Fits(long pages, int pageSize) => policy.FitsMidRound(pages * (double)pageSize, Bandwidth);

    /// <summary>The stop reason of a pass that ended after a batch.</summary>
    public const string StoppedAfterBatch = "remaining dirty bytes fit in the downtime limit (checked after a batch)";
}
