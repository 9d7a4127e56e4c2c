namespace NetMobility.Migration.Workloads;

/// <summary>
/// A web server: a writable working set of hot pages (connection state, request buffers, allocator
/// arenas) rewritten often, and slow background churn over the rest of memory (page cache, logs).
/// Pre-copy converges on this one: after a few rounds only the hot set is left.
/// </summary>
public sealed class WebServerWorkload : Workload
{
    private readonly Random _rng;
    private readonly PageWriter _writer;
    private readonly int _seed;

    /// <param name="hotFraction">Share of the image that is the hot working set (at least one page).</param>
    /// <param name="hotShare">Share of the writes that land in the hot set; the rest is background churn.</param>
    public WebServerWorkload(int seed, double pagesPerSecond = 20_000, double hotFraction = 0.02, double hotShare = 0.95)
    {
        CheckRate(pagesPerSecond);
        if (!(hotFraction > 0 && hotFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(hotFraction), $"the hot set is a fraction in (0, 1], not {hotFraction}");
        if (!(hotShare >= 0 && hotShare <= 1)) throw new ArgumentOutOfRangeException(nameof(hotShare), $"the hot share is a fraction in [0, 1], not {hotShare}");
        PagesPerSecond = pagesPerSecond;
        HotFraction = hotFraction;
        HotShare = hotShare;
        _seed = seed;
        _rng = new Random(seed);
        Writer = _writer = new PageWriter(_rng);
    }

    public override string Name => "web-server";

    public override double PagesPerSecond { get; }

    public double HotFraction { get; }

    public double HotShare { get; }

    // Hot pages: mostly small updates of live objects, some rebuilt buffers. Background: page cache and logs.
    public static WriteMix HotMix { get; } = new(SmallUpdate: 0.6, Heap: 0.25, Text: 0.15, Random: 0, Zero: 0);
    public static WriteMix BackgroundMix { get; } = new(SmallUpdate: 0.2, Heap: 0.2, Text: 0.4, Random: 0.15, Zero: 0.05);

    /// <summary>The hot set of an image is <see cref="HotPages"/> pages from <see cref="HotStart"/>, placed by the seed.</summary>
    public int HotPages(MemoryImage image) => Math.Max(1, (int)(image.PageCount * HotFraction));

    // Knuth's multiplicative hash spreads seeds over the image.
    public int HotStart(MemoryImage image) => (int)((uint)_seed * 2654435761u % (uint)(image.PageCount - HotPages(image) + 1));

    public override void Advance(MemoryImage image, TimeSpan elapsed)
    {
        int writes = TakeDueWrites(elapsed);
        int hotPages = HotPages(image), hotStart = HotStart(image);
        if (writes * HotShare > UniformWrites.OneByOneUpToPerPage * hotPages)
        {
            // Many writes per hot page: drawn page by page (UniformWrites), at a cost bounded by the pages.
            long hot = (long)Math.Round(writes * HotShare);
            UniformWrites.Perform(_writer, _rng, image, hotStart, hotPages, hot, HotMix);
            UniformWrites.Perform(_writer, _rng, image, 0, image.PageCount, writes - hot, BackgroundMix);
            return;
        }
        for (int i = 0; i < writes; i++)
        {
            if (_rng.NextDouble() < HotShare) _writer.Write(image, hotStart + _rng.Next(hotPages), HotMix.Pick(_rng));
            else _writer.Write(image, _rng.Next(image.PageCount), BackgroundMix.Pick(_rng));
        }
    }
}
