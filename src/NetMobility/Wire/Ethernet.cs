using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>EtherType values this toolkit speaks; any other 16-bit value is carried as it is.</summary>
public enum EtherType : ushort
{
    Ipv4 = 0x0800,
    Arp = 0x0806,
    Rarp = 0x8035,
    Vlan = 0x8100,
    /// <summary>Transparent Ethernet bridging: the GRE protocol type of a gretap payload (RFC 1701).</summary>
    TransparentEthernetBridging = 0x6558,
}

/*  Ethernet II, optionally with one IEEE 802.1Q tag:

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    destination MAC (6 octets)                 |
    +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                               |                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+        source MAC (6 octets)  +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   TPID 0x8100 (optional)      | PCP |D|     VID (optional)    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          EtherType            |   payload ...
*/
file static class EthernetField
{
    public const int Destination = 0;
    public const int Source = 6;
    public const int TypeOrTpid = 12;
    public const int Tci = 14;
    public const int InnerType = 16;
    public const int HeaderLength = 14;
    public const int TaggedHeaderLength = 18;
}

/// <summary>
/// Zero-copy view of an Ethernet II frame. <see cref="TryCreate"/> checks the length once;
/// after it succeeds every accessor is safe. The frame check sequence is not part of the buffer.
/// </summary>
public readonly ref struct EthernetFrame
{
    public ReadOnlySpan<byte> Buffer { get; }

    private EthernetFrame(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, out EthernetFrame frame, out WireError error)
    {
        frame = default;
        if (buffer.Length < EthernetField.HeaderLength) { error = WireError.Truncated; return false; }
        if (BinaryPrimitives.ReadUInt16BigEndian(buffer[EthernetField.TypeOrTpid..]) == (ushort)EtherType.Vlan
            && buffer.Length < EthernetField.TaggedHeaderLength) { error = WireError.Truncated; return false; }
        frame = new EthernetFrame(buffer);
        error = WireError.None;
        return true;
    }

    public MacAddress Destination => MacAddress.Read(Buffer[EthernetField.Destination..]);
    public MacAddress Source => MacAddress.Read(Buffer[EthernetField.Source..]);
    public bool HasVlanTag => BinaryPrimitives.ReadUInt16BigEndian(Buffer[EthernetField.TypeOrTpid..]) == (ushort)EtherType.Vlan;
    /// <summary>802.1Q VLAN identifier (12 bits), or null for an untagged frame.</summary>
    public ushort? VlanId => HasVlanTag ? (ushort)(BinaryPrimitives.ReadUInt16BigEndian(Buffer[EthernetField.Tci..]) & 0x0FFF) : null;
    /// <summary>802.1Q priority code point (3 bits), 0 for an untagged frame.</summary>
    public byte Priority => HasVlanTag ? (byte)(Buffer[EthernetField.Tci] >> 5) : (byte)0;
    public EtherType EtherType => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(Buffer[(HasVlanTag ? EthernetField.InnerType : EthernetField.TypeOrTpid)..]);
    public int HeaderLength => HasVlanTag ? EthernetField.TaggedHeaderLength : EthernetField.HeaderLength;
    public ReadOnlySpan<byte> Payload => Buffer[HeaderLength..];
}

/// <summary>Representation of an Ethernet II header.</summary>
public readonly record struct EthernetHeader(MacAddress Destination, MacAddress Source, EtherType EtherType, ushort? VlanId = null, byte Priority = 0)
{
    public const int UntaggedLength = EthernetField.HeaderLength;

    public int Length => VlanId is null ? EthernetField.HeaderLength : EthernetField.TaggedHeaderLength;

    public static bool TryParse(ReadOnlySpan<byte> buffer, out EthernetHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!EthernetFrame.TryCreate(buffer, out var frame, out error)) return false;
        header = new EthernetHeader(frame.Destination, frame.Source, frame.EtherType, frame.VlanId, frame.Priority);
        bytesConsumed = frame.HeaderLength;
        return true;
    }

    /// <summary>Writes the header into the first <see cref="Length"/> bytes of <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        Destination.Write(buffer[EthernetField.Destination..]);
        Source.Write(buffer[EthernetField.Source..]);
        if (VlanId is ushort vid)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[EthernetField.TypeOrTpid..], (ushort)Wire.EtherType.Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[EthernetField.Tci..], (ushort)((Priority << 13) | (vid & 0x0FFF)));
            BinaryPrimitives.WriteUInt16BigEndian(buffer[EthernetField.InnerType..], (ushort)EtherType);
            return EthernetField.TaggedHeaderLength;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[EthernetField.TypeOrTpid..], (ushort)EtherType);
        return EthernetField.HeaderLength;
    }
}
