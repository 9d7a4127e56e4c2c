using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration;

/// <summary>Pages of each content kind for codec tests, from the library's own content generators.</summary>
internal static class TestPages
{
    public const int PageSize = MemoryImage.PageSize;

    public static byte[] Text(int seed) { var p = new byte[PageSize]; var r = new PageRandom((ulong)seed); PageContent.FillText(p, ref r); return p; }

    public static byte[] Heap(int seed) { var p = new byte[PageSize]; var r = new PageRandom((ulong)seed); PageContent.FillHeap(p, ref r); return p; }

    public static byte[] Code(int seed) { var p = new byte[PageSize]; var r = new PageRandom((ulong)seed); PageContent.FillCode(p, ref r); return p; }

    public static byte[] Random(int seed) { var p = new byte[PageSize]; new Random(seed).NextBytes(p); return p; }

    /// <summary>Encodes with <paramref name="encoder"/> and decodes onto <paramref name="receiver"/>, asserting success; returns the encoding.</summary>
    public static PageEncoding SendPage(PageEncoder encoder, int pageNumber, ReadOnlySpan<byte> page, Span<byte> receiver, out int written)
    {
        var wire = Hex.Poisoned(PageEncoder.MaxEncodedLength);
        var encoding = encoder.Encode(pageNumber, page, wire, out written);
        Assert.InRange(written, 0, PageEncoder.MaxEncodedLength);
        Assert.True(PageDecoder.TryDecode(encoding, wire.AsSpan(0, written), receiver, out var error), $"{encoding}: {error}");
        return encoding;
    }
}
