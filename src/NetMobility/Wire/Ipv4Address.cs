using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>An IPv4 address as a host-order uint (first octet most significant). No allocation, unlike IPAddress.</summary>
public readonly record struct Ipv4Address(uint Value) : ISpanFormattable, IComparable<Ipv4Address>
{
    public const int Length = 4;
    public static readonly Ipv4Address Any = new(0);
    public static readonly Ipv4Address Broadcast = new(0xFFFF_FFFF);

    public Ipv4Address(byte a, byte b, byte c, byte d) : this(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d) { }

    public static Ipv4Address Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source));
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    public bool IsUnspecified => Value == 0;
    public bool IsBroadcast => Value == 0xFFFF_FFFF;
    public bool IsMulticast => (Value >> 28) == 0xE;
    public bool IsLoopback => (Value >> 24) == 127;

    /// <summary>True when this address and <paramref name="other"/> agree in the first <paramref name="prefixLength"/> bits.</summary>
    public bool SameNetwork(Ipv4Address other, int prefixLength) => ((Value ^ other.Value) & PrefixMask(prefixLength)) == 0;

    public static uint PrefixMask(int prefixLength) => prefixLength <= 0 ? 0u : prefixLength >= 32 ? 0xFFFF_FFFFu : ~(0xFFFF_FFFFu >> prefixLength);

    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public static bool TryParse(ReadOnlySpan<char> text, out Ipv4Address address)
    {
        address = default;
        uint v = 0;
        int parts = 0;
        while (true)
        {
            if (parts == 4) return false; // a fifth part
            int dot = text.IndexOf('.');
            var part = dot < 0 ? text : text[..dot];
            if (part.Length is 0 or > 3) return false;
            int octet = 0;
            foreach (char ch in part)
            {
                if (ch is < '0' or > '9') return false;
                octet = octet * 10 + (ch - '0');
            }
            if (octet > 255) return false;
            v = (v << 8) | (uint)octet;
            parts++;
            if (dot < 0) break;
            text = text[(dot + 1)..];
        }
        if (parts != 4) return false;
        address = new Ipv4Address(v);
        return true;
    }

    public static Ipv4Address Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv4 address");

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        destination.TryWrite($"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}", out charsWritten);

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString()
    {
        Span<char> buffer = stackalloc char[15];
        TryFormat(buffer, out int n);
        return new string(buffer[..n]);
    }
}
