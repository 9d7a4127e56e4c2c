using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration;

public class PageEncodingRoundTripTests
{
    private const int PageSize = MemoryImage.PageSize;

    public static TheoryData<PageEncoding, string> CompressorsAndPages()
    {
        var data = new TheoryData<PageEncoding, string>();
        foreach (var c in new[] { PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate })
            foreach (var kind in new[] { "text", "heap", "code", "zero" })
                data.Add(c, kind);
        return data;
    }

    private static byte[] Page(string kind) => kind switch
    {
        "text" => TestPages.Text(11),
        "heap" => TestPages.Heap(12),
        "code" => TestPages.Code(13),
        "zero" => new byte[PageSize],
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(CompressorsAndPages))]
    public void Each_compressor_round_trips_compressible_pages(PageEncoding compressor, string kind)
    {
        // Only this compressor (no Zero), link speed unknown: every compressible page is compressed.
        using var encoder = new PageEncoder(new PageEncoderOptions { AllowedEncodings = [compressor], LinkBytesPerSecond = 0 });
        var page = Page(kind);
        var receiver = Hex.Poisoned(PageSize);
        Assert.Equal(compressor, TestPages.SendPage(encoder, 1, page, receiver, out int written));
        Assert.InRange(written, 1, PageSize - 1);
        Assert.Equal(page, receiver);
        Assert.Equal(1, encoder.Stats.Pages(compressor));
        Assert.Equal(written, encoder.Stats.Bytes(compressor));
    }

    [Theory]
    [InlineData(PageEncoding.Lz4)]
    [InlineData(PageEncoding.Zstd)]
    [InlineData(PageEncoding.Deflate)]
    public void A_random_page_is_sent_raw_without_trying_to_compress_it(PageEncoding compressor)
    {
        using var encoder = new PageEncoder(new PageEncoderOptions { AllowedEncodings = [compressor], LinkBytesPerSecond = 0 });
        var page = TestPages.Random(5);
        Assert.True(CompressibilitySample.LooksIncompressible(page));
        var receiver = new byte[PageSize];
        Assert.Equal(PageEncoding.Raw, TestPages.SendPage(encoder, 1, page, receiver, out int written));
        Assert.Equal(PageSize, written);
        Assert.Equal(page, receiver);
        Assert.Equal(TimeSpan.Zero, encoder.Stats.CpuTime(compressor));
    }

    [Fact]
    public void A_page_sent_again_unchanged_costs_nothing_and_a_small_edit_goes_as_a_small_delta()
    {
        using var encoder = new PageEncoder(new PageEncoderOptions());
        var page = TestPages.Heap(7);
        var receiver = new byte[PageSize];
        Assert.NotEqual(PageEncoding.Unchanged, TestPages.SendPage(encoder, 9, page, receiver, out _));
        Assert.Equal(PageEncoding.Unchanged, TestPages.SendPage(encoder, 9, page, receiver, out int unchanged));
        Assert.Equal(0, unchanged);

        page[100]++;
        page[2000] = 0x55;
        Assert.Equal(PageEncoding.Delta, TestPages.SendPage(encoder, 9, page, receiver, out int delta));
        Assert.InRange(delta, 4, 8);
        Assert.Equal(page, receiver);
    }

    [Theory]
    [InlineData(100, PageEncoding.Delta)]      // 100 changed bytes: a delta of about 102 bytes
    [InlineData(3000, PageEncoding.Zstd)]      // past the 2048-byte delta limit: the compressor takes it
    public void A_delta_past_the_limit_falls_through_to_the_compressor(int changedBytes, PageEncoding expected)
    {
        using var encoder = new PageEncoder(new PageEncoderOptions { AllowedEncodings = [PageEncoding.Delta, PageEncoding.Zstd], LinkBytesPerSecond = 0 });
        var page = TestPages.Text(8);
        var receiver = new byte[PageSize];
        TestPages.SendPage(encoder, 2, page, receiver, out _);
        var rewrite = TestPages.Text(9);
        rewrite.AsSpan(0, changedBytes).CopyTo(page);
        Assert.Equal(expected, TestPages.SendPage(encoder, 2, page, receiver, out _));
        Assert.Equal(page, receiver);
    }

    [Fact]
    public void A_page_that_went_zero_in_between_is_not_sent_as_unchanged()
    {
        // The receiver holds zeros after a Zero page, so the cached version before it must be forgotten.
        using var encoder = new PageEncoder(new PageEncoderOptions());
        var page = TestPages.Text(3);
        var receiver = new byte[PageSize];
        TestPages.SendPage(encoder, 4, page, receiver, out _);
        Assert.Equal(PageEncoding.Zero, TestPages.SendPage(encoder, 4, new byte[PageSize], receiver, out _));
        Assert.NotEqual(PageEncoding.Unchanged, TestPages.SendPage(encoder, 4, page, receiver, out _));
        Assert.Equal(page, receiver);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void In_a_packing_batch_a_page_is_written_once_where_its_entry_stays(bool olderCopyCached)
    {
        // Link speed unknown: every page the sample finds compressible is marked for packing.
        using var encoder = new PageEncoder(new PageEncoderOptions { LinkBytesPerSecond = 0 });
        var plain = new byte[PageEncoder.MaxEncodedLength];
        var packed = new byte[PageEncoder.MaxEncodedLength];
        var scratch = new byte[PageEncoder.MaxEncodedLength];
        var incompressible = TestPages.Random(5);
        var compressible = TestPages.Text(5);
        if (olderCopyCached)
        {
            // Older versions too different for a delta: the encoder compares, gives the delta up, then decides as for a first send.
            encoder.EncodeForBatch(7, TestPages.Random(6), scratch, scratch, out _, out _);
            encoder.EncodeForBatch(8, TestPages.Text(9), scratch, scratch, out _, out _);
        }

        Array.Fill(plain, (byte)0xA5);
        Array.Fill(packed, (byte)0x5A);
        var encoding = encoder.EncodeForBatch(7, incompressible, plain, packed, out int written, out bool packable);
        Assert.Equal(PageEncoding.Raw, encoding);
        Assert.False(packable);
        Assert.Equal(PageSize, written);
        Assert.Equal(incompressible, plain[..PageSize]);
        // Nothing went through the packed area on the way.
        Assert.All(packed, b => Assert.Equal(0x5A, b));

        Array.Fill(plain, (byte)0xA5);
        encoding = encoder.EncodeForBatch(8, compressible, plain, packed, out written, out packable);
        Assert.Equal(PageEncoding.Raw, encoding);
        Assert.True(packable);
        Assert.Equal(PageSize, written);
        Assert.Equal(compressible, packed[..PageSize]);
        Assert.All(plain, b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void A_page_not_remembered_stays_out_of_the_delta_cache_and_drops_an_older_copy()
    {
        using var encoder = new PageEncoder(new PageEncoderOptions { PackBatches = false });
        var page = TestPages.Code(3);
        var wire = new byte[PageEncoder.MaxEncodedLength];
        encoder.EncodeForBatch(4, page, wire, wire, out _, out _, remember: false);
        Assert.NotEqual(PageEncoding.Unchanged, encoder.EncodeForBatch(4, page, wire, wire, out _, out _));
        // Now cached: the same page again is unchanged.
        Assert.Equal(PageEncoding.Unchanged, encoder.EncodeForBatch(4, page, wire, wire, out _, out _));
        // A new version sent without being remembered replaces nothing in the cache: the old copy is dropped,
        // so the next send cannot be a delta against a version the cache no longer matches.
        page[100] ^= 0xFF;
        encoder.EncodeForBatch(4, page, wire, wire, out _, out _, remember: false);
        page[200] ^= 0xFF;
        var next = encoder.EncodeForBatch(4, page, wire, wire, out _, out _);
        Assert.NotEqual(PageEncoding.Delta, next);
        Assert.NotEqual(PageEncoding.Unchanged, next);
    }

    [Fact]
    public void Reset_forgets_what_was_sent()
    {
        using var encoder = new PageEncoder(new PageEncoderOptions());
        var page = TestPages.Code(3);
        var receiver = new byte[PageSize];
        TestPages.SendPage(encoder, 4, page, receiver, out _);
        encoder.Reset();
        Assert.Equal(0, encoder.Stats.TotalPages);
        Assert.NotEqual(PageEncoding.Unchanged, TestPages.SendPage(encoder, 4, page, new byte[PageSize], out _));
    }

    [Fact]
    public void A_realistic_image_arrives_intact_through_the_adaptive_encoder_in_two_rounds()
    {
        using var source = new MemoryImage(2048 * 4096L);
        using var destination = new MemoryImage(source.MemoryBytes);
        RealisticContent.Fill(source, 21, ContentProfile.Typical);
        // A 1 Mbit/s link: compressing a page costs far less than sending it even on a loaded machine, so the encoder's
        // CPU-versus-link choice (measured in real time) compresses whatever the load, and the ratio below holds.
        using var encoder = new PageEncoder(new PageEncoderOptions { DeltaCachePages = 4096, LinkBytesPerSecond = 125_000 });
        for (int p = 0; p < source.PageCount; p++) TestPages.SendPage(encoder, p, source.GetPage(p), destination.GetPage(p), out _);
        Assert.Equal(source.ComputeDigest(), destination.ComputeDigest());
        Assert.True(encoder.Stats.Pages(PageEncoding.Zero) > 0);
        Assert.True(encoder.Stats.Ratio < 0.6, $"ratio {encoder.Stats.Ratio}");

        // Second round: a workload dirties pages; only those go again, as deltas or in full.
        new UniformRandomWorkload(5, 500).Advance(source, TimeSpan.FromSeconds(1));
        var bits = new ulong[source.DirtyLog.WordCount];
        source.DirtyLog.CollectAndClear(bits);
        for (int p = 0; p < source.PageCount; p++)
            if ((bits[p >> 6] & (1UL << (p & 63))) != 0) TestPages.SendPage(encoder, p, source.GetPage(p), destination.GetPage(p), out _);
        Assert.Equal(source.ComputeDigest(), destination.ComputeDigest());
        Assert.True(encoder.Stats.Pages(PageEncoding.Delta) > 0);
    }

    [Fact]
    public void A_cache_smaller_than_the_image_still_keeps_the_receiver_exact()
    {
        using var source = new MemoryImage(512 * 4096L);
        using var destination = new MemoryImage(source.MemoryBytes);
        RealisticContent.Fill(source, 8, ContentProfile.Typical);
        using var encoder = new PageEncoder(new PageEncoderOptions { DeltaCachePages = 16 });
        Assert.Equal(16, encoder.DeltaCacheCapacity);
        var workload = new UniformRandomWorkload(2, 2000);
        var bits = new ulong[source.DirtyLog.WordCount];
        source.DirtyLog.MarkAll();
        for (int round = 0; round < 4; round++)
        {
            source.DirtyLog.CollectAndClear(bits);
            for (int p = 0; p < source.PageCount; p++)
                if ((bits[p >> 6] & (1UL << (p & 63))) != 0) TestPages.SendPage(encoder, p, source.GetPage(p), destination.GetPage(p), out _);
            workload.Advance(source, TimeSpan.FromMilliseconds(100));
        }
        source.DirtyLog.CollectAndClear(bits);
        for (int p = 0; p < source.PageCount; p++)
            if ((bits[p >> 6] & (1UL << (p & 63))) != 0) TestPages.SendPage(encoder, p, source.GetPage(p), destination.GetPage(p), out _);
        Assert.Equal(source.ComputeDigest(), destination.ComputeDigest());
    }
}
