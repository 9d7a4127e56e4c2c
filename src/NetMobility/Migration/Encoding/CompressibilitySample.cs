using System.Numerics;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// A cheap guess, before spending a compressor on a page, whether it is worth it: count the distinct byte
/// values among bytes sampled at an odd stride (odd so every lane of 8-byte words is seen). Random,
/// encrypted or already compressed pages show close to the ~156 distinct values 240 uniform bytes give;
/// text, code and heap pages show far fewer (below 80 on <see cref="RealisticContent"/> pages; 112 sits between).
/// </summary>
public static class CompressibilitySample
{
    public const int Stride = 17;
    /// <summary>Distinct values among the samples above which a page is treated as incompressible.</summary>
    public const int IncompressibleThreshold = 112;

    public static int DistinctSampledBytes(ReadOnlySpan<byte> page)
    {
        // Four sets of 256 bits, the samples dealt to them in turn: an OR into a set waits for the store of the
        // sample four back, not of the one before (one set made a chain of store-to-load forwarding that cost more
        // than copying the page; PackedBatchCopyBenchmarks).
        Span<ulong> seen = stackalloc ulong[16];
        seen.Clear();
        int i = 0;
        for (; i + 3 * Stride < page.Length; i += 4 * Stride)
        {
            byte a = page[i], b = page[i + Stride], c = page[i + 2 * Stride], d = page[i + 3 * Stride];
            seen[a >> 6] |= 1UL << (a & 63);
            seen[4 + (b >> 6)] |= 1UL << (b & 63);
            seen[8 + (c >> 6)] |= 1UL << (c & 63);
            seen[12 + (d >> 6)] |= 1UL << (d & 63);
        }
        for (; i < page.Length; i += Stride)
        {
            byte a = page[i];
            seen[a >> 6] |= 1UL << (a & 63);
        }
        int distinct = 0;
        for (int w = 0; w < 4; w++) distinct += BitOperations.PopCount(seen[w] | seen[4 + w] | seen[8 + w] | seen[12 + w]);
        return distinct;
    }

    public static bool LooksIncompressible(ReadOnlySpan<byte> page) => DistinctSampledBytes(page) > IncompressibleThreshold;
}
