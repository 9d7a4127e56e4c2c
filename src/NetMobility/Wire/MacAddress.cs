using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>A 48-bit IEEE 802 MAC address held in the low 48 bits of a ulong (first octet most significant).</summary>
public readonly record struct MacAddress(ulong Value) : ISpanFormattable
{
    public const int Length = 6;
    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFFUL);
    public static readonly MacAddress Zero = new(0UL);

    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    public bool IsBroadcast => Value == Broadcast.Value;
    /// <summary>I/G bit: the least significant bit of the first octet.</summary>
    public bool IsMulticast => ((Value >> 40) & 1) != 0;
    public bool IsUnicast => !IsMulticast;

    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = default;
        if (text.Length != 17) return false;
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[i * 3 - 1] is not (':' or '-')) return false;
            if (!byte.TryParse(text.Slice(i * 3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b)) return false;
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (aa:bb:cc:dd:ee:ff)");

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        charsWritten = 0;
        if (destination.Length < 17) return false;
        const string hex = "0123456789abcdef";
        for (int i = 0; i < 6; i++)
        {
            int b = (int)(Value >> (40 - 8 * i)) & 0xFF;
            if (i > 0) destination[i * 3 - 1] = ':';
            destination[i * 3] = hex[b >> 4];
            destination[i * 3 + 1] = hex[b & 0xF];
        }
        charsWritten = 17;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString()
    {
        Span<char> buffer = stackalloc char[17];
        TryFormat(buffer, out _);
        return new string(buffer);
    }
}
