using NetMobility.Migration;

namespace NetMobility.Tests.Migration;

public class DirtyLogTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(64, 1)]
    [InlineData(65, 2)]
    [InlineData(130, 3)]
    public void Word_count_covers_every_page(int pages, int words) => Assert.Equal(words, new DirtyLog(pages).WordCount);

    [Fact]
    public void Collect_returns_the_marked_bits_and_clears_them()
    {
        var log = new DirtyLog(130);
        log.Mark(0);
        log.Mark(63);
        log.Mark(64);
        log.Mark(129);
        log.Mark(129);
        var bits = new ulong[log.WordCount];
        Assert.Equal(4, log.CollectAndClear(bits));
        Assert.Equal(new ulong[] { 1UL | (1UL << 63), 1UL, 2UL }, bits);
        Assert.Equal(0, log.CountDirty());
        Assert.Equal(0, log.CollectAndClear(bits));
        Assert.Equal(new ulong[3], bits);
    }

    [Fact]
    public void MarkAll_sets_exactly_the_page_bits()
    {
        var log = new DirtyLog(70);
        log.MarkAll();
        Assert.Equal(70, log.CountDirty());
        var bits = new ulong[2];
        Assert.Equal(70, log.CollectAndClear(bits));
        Assert.Equal(ulong.MaxValue, bits[0]);
        Assert.Equal(0x3FUL, bits[1]);
    }

    [Fact]
    public void A_short_destination_is_refused_without_clearing()
    {
        var log = new DirtyLog(65);
        log.Mark(64);
        Assert.Throws<ArgumentException>(() => log.CollectAndClear(new ulong[1]));
        Assert.True(log.IsDirty(64));
    }

    [Fact]
    public void Pages_outside_the_log_are_refused()
    {
        var log = new DirtyLog(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Mark(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Mark(-1));
    }

    [Fact]
    public void No_mark_is_lost_while_collecting_concurrently()
    {
        // Writers mark every page of their share repeatedly while the collector keeps collecting: every page
        // must show up in at least one collection, and after the writers stop a final collection drains the rest.
        const int pages = 4096, writers = 3, passes = 200;
        var log = new DirtyLog(pages);
        var seen = new bool[pages];
        var bits = new ulong[log.WordCount];
        using var start = new Barrier(writers + 1);
        var threads = new Thread[writers];
        for (int w = 0; w < writers; w++)
        {
            int id = w;
            threads[w] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int pass = 0; pass < passes; pass++)
                    for (int p = id; p < pages; p += writers) log.Mark(p);
            });
            threads[w].Start();
        }
        start.SignalAndWait();
        long collected = 0;
        while (threads.Any(t => t.IsAlive)) collected += Collect(log, bits, seen);
        foreach (var t in threads) t.Join();
        collected += Collect(log, bits, seen);

        Assert.All(seen, Assert.True);
        Assert.InRange(collected, pages, (long)pages * passes);
        Assert.Equal(0, log.CountDirty());
    }

    private static int Collect(DirtyLog log, ulong[] bits, bool[] seen)
    {
        int n = log.CollectAndClear(bits);
        for (int p = 0; p < seen.Length; p++)
            if ((bits[p >> 6] & (1UL << (p & 63))) != 0) seen[p] = true;
        return n;
    }
}
