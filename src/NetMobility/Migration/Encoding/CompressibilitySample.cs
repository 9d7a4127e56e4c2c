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
        Span<ulong> seen = stackalloc ulong[4];
        seen.Clear();
        for (int i = 0; i < page.Length; i += Stride)
        {
            byte b = page[i];
            seen[b >> 6] |= 1UL << (b & 63);
        }
        return BitOperations.PopCount(seen[0]) + BitOperations.PopCount(seen[1]) + BitOperations.PopCount(seen[2]) + BitOperations.PopCount(seen[3]);
    }

    public static bool LooksIncompressible(ReadOnlySpan<byte> page) => DistinctSampledBytes(page) > IncompressibleThreshold;
}
