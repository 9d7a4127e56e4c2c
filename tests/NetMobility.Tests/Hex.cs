namespace NetMobility.Tests;

/// <summary>Hex vectors in tests: whitespace and ':' are ignored so RFC dumps can be pasted as they are.</summary>
public static class Hex
{
    public static byte[] Bytes(string hex)
    {
        var clean = new string(hex.Where(Uri.IsHexDigit).ToArray());
        return Convert.FromHexString(clean);
    }

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>A buffer pre-filled with 0xA5 so that a field an emitter forgets to write shows up.</summary>
    public static byte[] Poisoned(int length)
    {
        var b = new byte[length];
        b.AsSpan().Fill(0xA5);
        return b;
    }
}
