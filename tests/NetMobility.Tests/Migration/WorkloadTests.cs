using NetMobility.Migration;
using NetMobility.Migration.Workloads;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class WorkloadTests
{
    private const int Pages = 4096;

    public static TheoryData<string> Kinds => ["idle", "web-server", "uniform-random", "sequential-scan"];

    private static Workload Create(string kind, int seed, double rate) => kind switch
    {
        "idle" => new IdleWorkload(seed, rate),
        "web-server" => new WebServerWorkload(seed, rate),
        "uniform-random" => new UniformRandomWorkload(seed, rate),
        "sequential-scan" => new SequentialScanWorkload(seed, rate),
        _ => throw new ArgumentException(kind),
    };

    private static void Run(Workload workload, MemoryImage image, TimeSpan step, int steps)
    {
        for (int i = 0; i < steps; i++) workload.Advance(image, step);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_same_seed_writes_the_same_bytes(string kind)
    {
        using var a = new MemoryImage(Pages * 4096L);
        using var b = new MemoryImage(Pages * 4096L);
        using var c = new MemoryImage(Pages * 4096L);
        Run(Create(kind, 42, 2000), a, TimeSpan.FromMilliseconds(10), 100);
        Run(Create(kind, 42, 2000), b, TimeSpan.FromMilliseconds(10), 100);
        Run(Create(kind, 43, 2000), c, TimeSpan.FromMilliseconds(10), 100);
        Assert.Equal(a.ComputeDigest(), b.ComputeDigest());
        Assert.NotEqual(a.ComputeDigest(), c.ComputeDigest());
        Assert.Equal(a.DirtyLog.CountDirty(), b.DirtyLog.CountDirty());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_rate_is_met_in_virtual_time_whatever_the_step(string kind)
    {
        using var image = new MemoryImage(Pages * 4096L);
        var fine = Create(kind, 1, 1234.5);
        Run(fine, image, TimeSpan.FromMilliseconds(1), 10_000);   // 10 s in 1 ms steps
        var coarse = Create(kind, 1, 1234.5);
        Run(coarse, image, TimeSpan.FromSeconds(2.5), 4);          // 10 s in four steps
        Assert.InRange(fine.PageWrites, 12_344, 12_345);
        Assert.InRange(coarse.PageWrites, 12_344, 12_345);
    }

    [Fact]
    public void Throttle_withholds_its_fraction_of_the_writes()
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = new UniformRandomWorkload(3, 10_000) { Throttle = 0.75 };
        Run(workload, image, TimeSpan.FromMilliseconds(10), 100);
        Assert.InRange(workload.PageWrites, 2_499, 2_500);
        Assert.Throws<ArgumentOutOfRangeException>(() => workload.Throttle = 1.0);
        Assert.Throws<ArgumentOutOfRangeException>(() => workload.Throttle = -0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => workload.Throttle = double.NaN);
    }

    [Fact]
    public void Uniform_random_dirties_the_expected_number_of_distinct_pages()
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = new UniformRandomWorkload(5, 4096);
        Run(workload, image, TimeSpan.FromMilliseconds(100), 10);
        // 4096 uniform writes over 4096 pages touch N(1 - 1/e) = 2589 distinct pages on average.
        Assert.InRange(image.DirtyLog.CountDirty(), 2589 - 100, 2589 + 100);
    }

    [Fact]
    public void Sequential_scan_dirties_a_moving_window_in_address_order()
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = new SequentialScanWorkload(5, 1000, startPage: 100);
        workload.Advance(image, TimeSpan.FromSeconds(0.5));
        var bits = new ulong[image.DirtyLog.WordCount];
        Assert.Equal(500, image.DirtyLog.CollectAndClear(bits));
        for (int p = 0; p < Pages; p++)
            Assert.Equal(p is >= 100 and < 600, (bits[p >> 6] & (1UL << (p & 63))) != 0);
        workload.Advance(image, TimeSpan.FromSeconds(4.5));         // 4500 more: wraps past the end and covers all
        Assert.Equal(Pages, image.DirtyLog.CountDirty());
    }

    [Fact]
    public void Web_server_writes_mostly_land_in_its_hot_set()
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = new WebServerWorkload(9, 20_000, hotFraction: 0.02, hotShare: 0.95);
        int hot = workload.HotPages(image), start = workload.HotStart(image);
        Assert.Equal(81, hot);
        workload.Advance(image, TimeSpan.FromSeconds(1));
        var bits = new ulong[image.DirtyLog.WordCount];
        image.DirtyLog.CollectAndClear(bits);
        int inHot = 0, outside = 0;
        for (int p = 0; p < Pages; p++)
        {
            if ((bits[p >> 6] & (1UL << (p & 63))) == 0) continue;
            if (p >= start && p < start + hot) inHot++; else outside++;
        }
        Assert.Equal(hot, inHot);
        // 1000 background writes over ~4000 pages: about 880 distinct.
        Assert.InRange(outside, 780, 980);
    }

    [Fact]
    public void Idle_touches_few_pages()
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = new IdleWorkload(2);
        workload.Advance(image, TimeSpan.FromSeconds(1));
        Assert.Equal(50, workload.PageWrites);
        Assert.InRange(image.DirtyLog.CountDirty(), 45, 50);
    }

    [Fact]
    public void Negative_or_infinite_rates_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new UniformRandomWorkload(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialScanWorkload(1, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UniformRandomWorkload(1, 10, new WriteMix(0, 0, 0, 0, 0)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_day_in_one_step_costs_work_bounded_by_the_pages_not_the_writes(string kind)
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = Create(kind, 4, 20_000);
        workload.Advance(image, TimeSpan.FromDays(1));

        Assert.Equal(1_728_000_000, workload.PageWrites);          // 1.7 G writes fall due
        Assert.InRange(workload.WritesPerformed, 1, 70L * Pages);   // at most a rewrite and 64 small updates a page
        Assert.InRange(image.PagesMade, 0, Pages);                  // a page is made at most once, for its small updates
        Assert.True(image.DirtyLog.CountDirty() > Pages * 0.9, $"{image.DirtyLog.CountDirty()} pages dirty");
    }

    [Fact]
    public void A_rewrite_is_made_only_when_the_page_is_read()
    {
        using var image = new MemoryImage(Pages * 4096L);
        var workload = new UniformRandomWorkload(6, 1000, new WriteMix(SmallUpdate: 0, Heap: 1, Text: 0, Random: 0, Zero: 0));
        workload.Advance(image, TimeSpan.FromSeconds(1));
        Assert.Equal(0, image.PagesMade);
        Assert.True(image.DirtyLog.CountDirty() > 500);

        var first = image.GetPage(FirstDirty(image)).ToArray();
        Assert.Equal(1, image.PagesMade);
        Assert.False(ZeroPage.IsZero(first));
        Assert.Equal(first, image.GetPage(FirstDirty(image)).ToArray()); // made once, kept
        Assert.Equal(1, image.PagesMade);
    }

    private static int FirstDirty(MemoryImage image)
    {
        for (int p = 0; p < image.PageCount; p++) if (image.DirtyLog.IsDirty(p)) return p;
        return -1;
    }
}
