namespace NetMobility.Migration.Workloads;

/// <summary>An idle guest: timers, statistics and log buffers touch a few pages anywhere in memory.</summary>
public sealed class IdleWorkload : Workload
{
    private readonly Random _rng;
    private readonly PageWriter _writer;

    public IdleWorkload(int seed, double pagesPerSecond = 50)
    {
        CheckRate(pagesPerSecond);
        PagesPerSecond = pagesPerSecond;
        _rng = new Random(seed);
        Writer = _writer = new PageWriter(_rng);
    }

    public override string Name => "idle";

    public override double PagesPerSecond { get; }

    public static WriteMix Mix { get; } = new(SmallUpdate: 0.9, Heap: 0.1, Text: 0, Random: 0, Zero: 0);

    public override void Advance(MemoryImage image, TimeSpan elapsed)
    {
        UniformWrites.Perform(_writer, _rng, image, 0, image.PageCount, TakeDueWrites(elapsed), Mix);
    }
}
