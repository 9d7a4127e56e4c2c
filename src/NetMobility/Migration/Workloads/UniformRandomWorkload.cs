namespace NetMobility.Migration.Workloads;

/// <summary>Writes pages chosen uniformly over the whole image: the hardest case for pre-copy, no working set to wait out.</summary>
public sealed class UniformRandomWorkload : Workload
{
    private readonly Random _rng;
    private readonly PageWriter _writer;

    public UniformRandomWorkload(int seed, double pagesPerSecond, WriteMix? mix = null)
    {
        CheckRate(pagesPerSecond);
        Mix = mix ?? new WriteMix(SmallUpdate: 0.4, Heap: 0.3, Text: 0.1, Random: 0.15, Zero: 0.05);
        Mix.Check();
        PagesPerSecond = pagesPerSecond;
        _rng = new Random(seed);
        Writer = _writer = new PageWriter(_rng);
    }

    public override string Name => "uniform-random";

    public override double PagesPerSecond { get; }

    public WriteMix Mix { get; }

    public override void Advance(MemoryImage image, TimeSpan elapsed)
    {
        UniformWrites.Perform(_writer, _rng, image, 0, image.PageCount, TakeDueWrites(elapsed), Mix);
    }
}
