using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>An IPv4 network: an address with its host bits cleared and a prefix length (CIDR, RFC 4632).</summary>
public readonly record struct Ipv4Prefix : ISpanFormattable
{
    public static readonly Ipv4Prefix Default = new(Ipv4Address.Any, 0);

    /// <summary>Clears the host bits of <paramref name="address"/>.</summary>
    public Ipv4Prefix(Ipv4Address address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 32);
        Network = new Ipv4Address(address.Value & Ipv4Address.PrefixMask(length));
        Length = length;
    }

    public Ipv4Address Network { get; }
    public int Length { get; }
    public uint Mask => Ipv4Address.PrefixMask(Length);

    /// <summary>The directed broadcast address of the network (all host bits set).</summary>
    public Ipv4Address Broadcast => new(Network.Value | ~Mask);

    public bool Contains(Ipv4Address address) => (address.Value & Mask) == Network.Value;

    /// <summary>Parses "a.b.c.d/n"; the host bits may be set ("10.0.0.1/24" is 10.0.0.0/24).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Ipv4Prefix prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/');
        if (slash < 0) return false;
        if (!Ipv4Address.TryParse(text[..slash], out var address)) return false;
        var digits = text[(slash + 1)..];
        if (digits.Length is 0 or > 2) return false;
        int length = 0;
        foreach (char c in digits)
        {
            if (c is < '0' or > '9') return false;
            length = length * 10 + (c - '0');
        }
        if (length > 32) return false;
        prefix = new Ipv4Prefix(address, length);
        return true;
    }

    public static Ipv4Prefix Parse(string text) =>
        TryParse(text, out var p) ? p : throw new FormatException($"'{text}' is not an IPv4 prefix (a.b.c.d/n)");

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        destination.TryWrite($"{Network}/{Length}", out charsWritten);

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString() => $"{Network}/{Length}";
}
