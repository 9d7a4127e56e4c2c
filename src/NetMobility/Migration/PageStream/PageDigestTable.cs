using System.IO.Hashing;
using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// The image digest kept as pages move, so that switchover verifies nothing proportional to the memory
/// (docs/page-stream.md sec 3.5). Each page has a leaf: 0 for a page of zeros, else XXH3-128 of its octets
/// seeded with its page number (so two pages that swap contents change the digest). The digest is the sum of
/// the leaves modulo 2^128, kept per lane (page mod lane count, one channel's pages) and updated by the
/// difference whenever a page's leaf changes: the source sets a leaf as it encodes a page, the destination
/// as it applies one; both start from an image of zeros, where every leaf is 0.
/// A lane is updated by one thread at a time (the channel that owns it); lanes run in parallel.
/// The digest guards against faults (a page lost, mis-applied, decoded wrong); against an attacker the
/// transport's TLS authenticates the peer and protects the bytes.
/// </summary>
public sealed class PageDigestTable
{
    // One lane sum per 64-octet line, so that channels on different cores do not share a cache line.
    private const int LaneStride = 4;

    private readonly UInt128[] _leaves;
    private readonly UInt128[] _lanes;
    private readonly int _laneCount;

    public PageDigestTable(int pageCount, int laneCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(laneCount, 1);
        _leaves = new UInt128[pageCount];
        _lanes = new UInt128[laneCount * LaneStride];
        _laneCount = laneCount;
    }

    public int PageCount => _leaves.Length;

    /// <summary>The leaf of <paramref name="page"/> with contents <paramref name="contents"/>.</summary>
    public static UInt128 Leaf(int page, ReadOnlySpan<byte> contents) =>
        ZeroPage.IsZero(contents) ? UInt128.Zero : XxHash128.HashToUInt128(contents, page);

    /// <summary>Takes the page's contents as they are now (the source encoding it, the destination having applied it).</summary>
    public void Set(int page, ReadOnlySpan<byte> contents) => SetLeaf(page, Leaf(page, contents));

    /// <summary>The leaf the table holds for <paramref name="page"/>: of the contents last sent (source) or applied (destination).</summary>
    public UInt128 LeafOf(int page) => _leaves[page];

    /// <summary>The page holds zeros only (a zero page went on the wire).</summary>
    public void SetZero(int page) => SetLeaf(page, UInt128.Zero);

    private void SetLeaf(int page, UInt128 leaf)
    {
        ref UInt128 slot = ref _leaves[page];
        ref UInt128 lane = ref _lanes[page % _laneCount * LaneStride];
        lane = lane - slot + leaf;
        slot = leaf;
    }

    /// <summary>
    /// The digest of the image as the table holds it: a sum over the lanes, no page touched. Read it once the
    /// lanes' writers have finished (their tasks awaited).
    /// </summary>
    public ImageDigest Digest
    {
        get
        {
            UInt128 sum = UInt128.Zero;
            for (int i = 0; i < _laneCount; i++) sum += _lanes[i * LaneStride];
            return new ImageDigest(sum);
        }
    }

    /// <summary>The digest of <paramref name="image"/> computed from every page (tests, and a check of a saved image).</summary>
    public static ImageDigest Compute(MemoryImage image)
    {
        UInt128 sum = UInt128.Zero;
        Span<byte> scratch = stackalloc byte[MemoryImage.PageSize];
        for (int page = 0; page < image.PageCount; page++) sum += Leaf(page, image.ReadPage(page, scratch));
        return new ImageDigest(sum);
    }
}
