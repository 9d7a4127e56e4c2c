namespace NetMobility.Migration.Workloads;

/// <summary>
/// Rewrites pages in address order and wraps around (a large buffer being filled, a copying collector,
/// a sort): every page gets dirty once per pass, so the dirty set is a moving window.
/// </summary>
public sealed class SequentialScanWorkload : Workload
{
    private readonly Random _rng;
    private readonly PageWriter _writer;
    private int _next;

    public SequentialScanWorkload(int seed, double pagesPerSecond, int startPage = 0, WriteMix? mix = null)
    {
        CheckRate(pagesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(startPage);
        Mix = mix ?? new WriteMix(SmallUpdate: 0, Heap: 0.5, Text: 0.3, Random: 0.1, Zero: 0.1);
        Mix.Check();
        PagesPerSecond = pagesPerSecond;
        _next = startPage;
        _rng = new Random(seed);
        Writer = _writer = new PageWriter(_rng);
    }

    public override string Name => "sequential-scan";

    public override double PagesPerSecond { get; }

    public WriteMix Mix { get; }

    public override void Advance(MemoryImage image, TimeSpan elapsed)
    {
        int writes = TakeDueWrites(elapsed);
        if (writes > image.PageCount)
        {
            // Passes before the last one are rewritten by it: skip them (a small update in the last pass then lands
            // on the contents of the pass before the skipped ones).
            int skipped = writes - image.PageCount;
            _next = (int)((_next + (long)skipped) % image.PageCount);
            writes = image.PageCount;
        }
        for (int i = 0; i < writes; i++)
        {
            if (_next >= image.PageCount) _next = 0;
            _writer.Write(image, _next++, Mix.Pick(_rng));
        }
    }
}
