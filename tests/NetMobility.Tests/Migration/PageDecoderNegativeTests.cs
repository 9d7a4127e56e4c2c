using NetMobility.Migration;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

public class PageDecoderNegativeTests
{
    private const int PageSize = MemoryImage.PageSize;

    private static byte[] Compressed(PageEncoding compressor, byte[] page)
    {
        using var encoder = new PageEncoder(new PageEncoderOptions { AllowedEncodings = [compressor], LinkBytesPerSecond = 0 });
        var wire = new byte[PageEncoder.MaxEncodedLength];
        Assert.Equal(compressor, encoder.Encode(0, page, wire, out int n));
        return wire[..n];
    }

    public static TheoryData<PageEncoding> Compressors => [PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate];

    [Theory]
    [MemberData(nameof(Compressors))]
    public void Truncated_payloads_are_refused_and_leave_the_page_untouched(PageEncoding compressor)
    {
        var payload = Compressed(compressor, TestPages.Text(1));
        var page = TestPages.Heap(2);
        var before = (byte[])page.Clone();
        // Deflate is cut earlier: see Deflate_without_its_last_byte_still_yields_the_exact_page.
        int last = compressor == PageEncoding.Deflate ? payload.Length - 8 : payload.Length - 1;
        foreach (int cut in new[] { 0, 1, payload.Length / 2, last })
        {
            Assert.False(PageDecoder.TryDecode(compressor, payload.AsSpan(0, cut), page, out var error), $"cut at {cut}");
            Assert.StartsWith(compressor.ToString().ToLowerInvariant(), error);
            Assert.Equal(before, page);
        }
    }

    [Fact]
    public void Deflate_without_its_last_byte_still_yields_the_exact_page()
    {
        // DeflateStream does not tell whether the final block's end code was seen: a payload that lost only
        // bits after the last literal inflates to the whole page. The page is right, so that is accepted.
        var original = TestPages.Text(1);
        var payload = Compressed(PageEncoding.Deflate, original);
        var page = TestPages.Heap(2);
        Assert.True(PageDecoder.TryDecode(PageEncoding.Deflate, payload.AsSpan(0, payload.Length - 1), page, out var error), error);
        Assert.Equal(original, page);
    }

    [Theory]
    [InlineData(PageEncoding.Lz4, "ffffffff")]              // literal length runs past the block
    [InlineData(PageEncoding.Zstd, "28b52ffe00")]            // not the zstd magic number
    [InlineData(PageEncoding.Deflate, "ffffffff")]           // BTYPE 11 is reserved (RFC 1951 sec 3.2.3)
    public void Garbage_is_refused_with_the_codec_named(PageEncoding compressor, string hex)
    {
        var page = TestPages.Code(3);
        var before = (byte[])page.Clone();
        Assert.False(PageDecoder.TryDecode(compressor, Hex.Bytes(hex), page, out var error));
        Assert.StartsWith(compressor.ToString().ToLowerInvariant() + ":", error);
        Assert.DoesNotContain("\n", error!);
        Assert.Equal(before, page);
    }

    [Theory]
    [MemberData(nameof(Compressors))]
    public void A_payload_that_decompresses_to_less_than_a_page_is_refused(PageEncoding compressor)
    {
        // Half a page compressed by the same library: well formed, but the wrong size.
        var page = TestPages.Heap(5);
        var before = (byte[])page.Clone();
        var shortPage = ShortCompressed(compressor);
        Assert.False(PageDecoder.TryDecode(compressor, shortPage, page, out var error));
        Assert.Contains("2048", error);
        Assert.Equal(before, page);
    }

    // A 2048-byte input compressed with the same libraries the encoder uses.
    private static byte[] ShortCompressed(PageEncoding compressor)
    {
        var input = TestPages.Text(6)[..2048];
        var output = new byte[4096];
        int n = compressor switch
        {
            PageEncoding.Lz4 => Lz4Native.Compress(input, output),
            PageEncoding.Zstd => CompressZstd(input, output),
            _ => DeflateOf(input, output),
        };
        Assert.True(n > 0);
        return output[..n];
    }

    private static int CompressZstd(byte[] input, byte[] output)
    {
        using var context = new ZstdCompressContext();
        return ZstdNative.Compress(context, input, output, 1);
    }

    private static int DeflateOf(byte[] input, byte[] output)
    {
        using var ms = new MemoryStream();
        using (var d = new System.IO.Compression.DeflateStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) d.Write(input);
        ms.ToArray().CopyTo(output, 0);
        return (int)ms.Length;
    }
}
