using System.Globalization;

namespace NetMobility.MemGen;

/// <summary>Sizes as people write them: 4096, 64K, 256M, 2G (binary multiples; an optional trailing "iB" or "B").</summary>
public static class ByteSize
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        if (s.EndsWith("iB", StringComparison.OrdinalIgnoreCase)) s = s[..^2];
        else if (s.EndsWith('B') || s.EndsWith('b')) s = s[..^1];
        int shift = s.Length == 0 ? 0 : char.ToUpperInvariant(s[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        if (shift != 0) s = s[..^1];
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0) return false;
        if (value > long.MaxValue >> shift) return false;
        bytes = value << shift;
        return true;
    }
}
