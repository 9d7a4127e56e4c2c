namespace NetMobility.Migration;

/// <summary>Zero-page detection, the cheapest win in page migration: most guests hold many never-touched pages.</summary>
public static class ZeroPage
{
    /// <summary>True when every byte of <paramref name="page"/> is zero (vectorised, stops at the first non-zero vector).</summary>
    public static bool IsZero(ReadOnlySpan<byte> page) => page.IndexOfAnyExcept((byte)0) < 0;
}
