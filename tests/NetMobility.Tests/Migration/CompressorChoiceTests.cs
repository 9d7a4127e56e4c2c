using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class CompressorChoiceTests
{
    private const int PageSize = MemoryImage.PageSize;

    private static CompressorChooser Measured(long bandwidth, params (PageEncoding c, int bytes, double micros)[] samples)
    {
        var chooser = new CompressorChooser([.. samples.Select(s => s.c)], bandwidth, cores: 1);
        for (int i = 0; i < CompressorChooser.WarmupPages; i++)
            foreach (var (c, bytes, micros) in samples) chooser.Record(c, bytes, TimeSpan.FromMicroseconds(micros));
        return chooser;
    }

    [Fact]
    public void On_a_fast_link_the_cheaper_compressor_wins_and_on_a_slow_one_the_smaller()
    {
        // LZ4: 2048 bytes in 2 us; zstd: 1400 bytes in 20 us. A page costs the slower of sending and compressing.
        var fast = Measured(125_000_000, (PageEncoding.Lz4, 2048, 2), (PageEncoding.Zstd, 1400, 20));
        // 1 Gbit/s: lz4 max(16.4, 2) = 16.4 us, zstd max(11.2, 20) = 20 us per page.
        Assert.Equal(PageEncoding.Lz4, fast.Choose());
        var slow = Measured(12_500_000, (PageEncoding.Lz4, 2048, 2), (PageEncoding.Zstd, 1400, 20));
        // 100 Mbit/s: lz4 max(164, 2) = 164 us, zstd max(112, 20) = 112 us.
        Assert.Equal(PageEncoding.Zstd, slow.Choose());
    }

    [Fact]
    public void When_compressing_costs_more_than_it_saves_the_page_goes_raw_except_for_probes()
    {
        // Raw transfer at 10 Gbit/s: 3.3 us; LZ4 saves 1.6 us of link time but costs 4 us of CPU.
        var chooser = Measured(1_250_000_000, (PageEncoding.Lz4, 2048, 4));
        int compressed = 0;
        for (int i = 0; i < 10 * CompressorChooser.ProbeInterval; i++)
            if (chooser.Choose() is not null) compressed++;
        Assert.Equal(10, compressed);
    }

    [Fact]
    public void Cores_encoding_in_parallel_amortise_the_cpu_time()
    {
        var one = new CompressorChooser([PageEncoding.Lz4], 1_250_000_000, cores: 1);
        var four = new CompressorChooser([PageEncoding.Lz4], 1_250_000_000, cores: 4);
        for (int i = 0; i < CompressorChooser.WarmupPages; i++)
        {
            one.Record(PageEncoding.Lz4, 2048, TimeSpan.FromMicroseconds(4));
            four.Record(PageEncoding.Lz4, 2048, TimeSpan.FromMicroseconds(4));
        }
        // Cost with one core: max(1.6, 4) = 4 us > 3.3 us raw; with four: max(1.6, 1) = 1.6 us.
        Assert.Null(one.Choose());
        Assert.Equal(PageEncoding.Lz4, four.Choose());
    }

    [Fact]
    public void On_a_link_faster_than_one_core_compresses_it_compresses_what_the_core_keeps_up_with_and_sends_the_rest_raw()
    {
        // 10 Gbit/s: a raw page takes 3.28 us on the link; LZ4 halves it but costs 4 us of the one core.
        // All raw: 3.28 us a page; all LZ4: 4 us. Balanced, a share f of LZ4 pages gives a link time of
        // 3.28 - 1.64 f and a CPU time of 4 f, equal at f = 0.58: 2.3 us a page.
        var chooser = Measured(1_250_000_000, (PageEncoding.Lz4, 2048, 4));
        int lz4 = 0;
        const int Pages = 4 * 4096;
        for (int i = 0; i < Pages; i++)
        {
            if (chooser.Choose() is PageEncoding.Lz4)
            {
                lz4++;
                chooser.Account(2048, TimeSpan.FromMicroseconds(4));
            }
            else chooser.Account(PageSize, TimeSpan.Zero);
        }
        Assert.InRange(lz4 / (double)Pages, 0.5, 0.66);
    }

    [Fact]
    public void On_a_slow_link_cpu_goes_to_ratio_until_the_cores_become_the_busier_stage()
    {
        // 100 Mbit/s, two cores: Deflate (1200 bytes, 60 us) beats zstd (1400 bytes, 15 us) while the link is the
        // busier stage: Deflate's page takes 96 us of link time against 30 us of CPU time per core.
        var chooser = new CompressorChooser([PageEncoding.Zstd, PageEncoding.Deflate], 12_500_000, cores: 2);
        for (int i = 0; i < CompressorChooser.WarmupPages; i++)
        {
            chooser.Record(PageEncoding.Zstd, 1400, TimeSpan.FromMicroseconds(15));
            chooser.Record(PageEncoding.Deflate, 1200, TimeSpan.FromMicroseconds(60));
        }
        for (int i = 0; i < 1000; i++) chooser.Account(1200, TimeSpan.FromMicroseconds(60));
        Assert.Equal(PageEncoding.Deflate, chooser.Choose());

        // Now every page also costs 150 us of CPU elsewhere (75 us a core). All Deflate would make the cores the
        // busier stage (75 + 30 > 96 us); all zstd the link (112 us against 82.5). Balanced: a share f of Deflate
        // pages with 112 - 16 f = 82.5 + 22.5 f, f = 0.77.
        int deflate = 0;
        const int Pages = 4 * 4096;
        for (int i = 0; i < Pages; i++)
        {
            if (chooser.Choose() is PageEncoding.Deflate)
            {
                deflate++;
                chooser.Account(1200, TimeSpan.FromMicroseconds(60 + 150));
            }
            else chooser.Account(1400, TimeSpan.FromMicroseconds(15 + 150));
        }
        Assert.InRange(deflate / (double)Pages, 0.7, 0.84);
    }

    [Fact]
    public void Slower_compressors_are_not_measured_when_the_fastest_already_costs_more_cpu_than_it_saves()
    {
        // 10 Gbit/s, one core: LZ4 costs 4 us of CPU to save 1.6 us of the 3.3 us a raw page takes on the link.
        var chooser = new CompressorChooser([PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate], 1_250_000_000, cores: 1);
        for (int i = 0; i < CompressorChooser.WarmupPages; i++)
        {
            Assert.Equal(PageEncoding.Lz4, chooser.Choose());
            chooser.Record(PageEncoding.Lz4, 2048, TimeSpan.FromMicroseconds(4));
        }
        // Every call counts as a candidate: the warm-up took the first eight, the probe is the 64th.
        var chosen = new List<PageEncoding?>();
        for (int i = CompressorChooser.WarmupPages + 1; i < CompressorChooser.ProbeInterval; i++) chosen.Add(chooser.Choose());
        Assert.DoesNotContain(PageEncoding.Zstd, chosen);
        Assert.DoesNotContain(PageEncoding.Deflate, chosen);
        // The probe, when it comes, measures the next one.
        Assert.Equal(PageEncoding.Zstd, chooser.Choose());

        // On a 100 Mbit/s link LZ4 pays, and zstd and Deflate are measured in turn.
        var slow = new CompressorChooser([PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate], 12_500_000, cores: 1);
        for (int i = 0; i < CompressorChooser.WarmupPages; i++) slow.Record(PageEncoding.Lz4, 2048, TimeSpan.FromMicroseconds(4));
        Assert.Equal(PageEncoding.Zstd, slow.Choose());
        for (int i = 0; i < CompressorChooser.WarmupPages; i++) slow.Record(PageEncoding.Zstd, 1400, TimeSpan.FromMicroseconds(15));
        Assert.Equal(PageEncoding.Deflate, slow.Choose());
    }

    [Fact]
    public void Every_compressor_is_measured_first()
    {
        var chooser = new CompressorChooser([PageEncoding.Lz4, PageEncoding.Zstd], 125_000_000, 1);
        Assert.Equal(PageEncoding.Lz4, chooser.Choose());
        for (int i = 0; i < CompressorChooser.WarmupPages; i++) chooser.Record(PageEncoding.Lz4, 1000, TimeSpan.FromMicroseconds(1));
        Assert.Equal(PageEncoding.Zstd, chooser.Choose());
    }

    [Fact]
    public void The_encoder_measures_with_its_clock_and_sends_raw_when_compression_is_too_slow()
    {
        // Every clock read moves 1 ms, so each compression seems to take 1 ms: far more than the 33 us a raw
        // page takes on a 1 Gbit/s link. After the warm-up the encoder stops compressing.
        var options = new PageEncoderOptions
        {
            AllowedEncodings = [PageEncoding.Lz4],
            LinkBytesPerSecond = 125_000_000,
            TimeProvider = new SteppingClock(TimeSpan.FromMilliseconds(1)),
        };
        using var encoder = new PageEncoder(options);
        var wire = new byte[PageEncoder.MaxEncodedLength];
        var page = TestPages.Text(1);
        for (int i = 0; i < CompressorChooser.WarmupPages; i++) Assert.Equal(PageEncoding.Lz4, encoder.Encode(i, page, wire, out _));
        Assert.Equal(PageEncoding.Raw, encoder.Encode(100, page, wire, out _));

        // On a 100 kbit/s link a raw page takes 0.33 s: 1 ms of compression pays for itself.
        using var slowLink = new PageEncoder(options with { LinkBytesPerSecond = 12_500 });
        for (int i = 0; i < CompressorChooser.WarmupPages; i++) slowLink.Encode(i, page, wire, out _);
        Assert.Equal(PageEncoding.Lz4, slowLink.Encode(100, page, wire, out _));
        Assert.True(slowLink.Stats.CpuTime(PageEncoding.Lz4) >= TimeSpan.FromMilliseconds(9));
    }
}
