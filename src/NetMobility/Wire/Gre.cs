using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  GRE header, RFC 2784 sec 2.1 with the key and sequence number of RFC 2890 sec 2:

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |C| |K|S| Reserved0       | Ver |         Protocol Type         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |      Checksum (optional)      |       Reserved1 (Optional)    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                         Key (optional)                        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                 Sequence Number (Optional)                    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    The optional words appear in this order, each only when its bit is set, so the
    header is 4, 8, 12 or 16 bytes long.
*/
file static class GreField
{
    public const int FlagsAndVersion = 0;
    public const int ProtocolType = 2;
    public const int Optional = 4;
    public const int BaseLength = 4;
    public const int WordLength = 4;

    public const ushort ChecksumPresent = 0x8000; // bit 0, RFC 2784 sec 2.2
    public const ushort KeyPresent = 0x2000;      // bit 2, RFC 2890 sec 2
    public const ushort SequencePresent = 0x1000; // bit 3, RFC 2890 sec 2

    // RFC 2784 sec 2.3: a receiver that does not implement RFC 1701 MUST discard a packet with any of
    // bits 1-5 set. RFC 2890 gives bits 2 and 3 their meaning back, which leaves bit 1 (RFC 1701's
    // routing present), bit 4 (strict source route) and bit 5 (top bit of the recursion control).
    public const ushort MustDiscard = 0x4000 | 0x0800 | 0x0400;
    // Bits 6-12 "MUST be sent as zero and MUST be ignored on receipt" (RFC 2784 sec 2.3).
    public const ushort VersionMask = 0x0007; // bits 13-15, RFC 2784 sec 2.3.1
}

/// <summary>
/// Zero-copy view of a GRE packet (header and payload). The buffer is the whole delivery-protocol payload,
/// because the checksum covers the payload too (RFC 2784 sec 2.5). <see cref="TryCreate"/> checks length,
/// version, the discard bits and, when asked, the checksum; after it succeeds every accessor is safe.
/// </summary>
public readonly ref struct GrePacket
{
    public ReadOnlySpan<byte> Buffer { get; }

    private GrePacket(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, ChecksumPolicy policy, out GrePacket packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < GreField.BaseLength) { error = WireError.Truncated; return false; }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        // RFC 2784 sec 2.3.1: the version MUST be zero (version 1 is PPTP's enhanced GRE, RFC 2637).
        if ((flags & GreField.VersionMask) != 0) { error = WireError.BadVersion; return false; }
        if ((flags & GreField.MustDiscard) != 0) { error = WireError.ReservedBitSet; return false; }
        if (buffer.Length < HeaderLengthOf(flags)) { error = WireError.Truncated; return false; }
        // RFC 2784 sec 2.5: the checksum covers header and payload, so the whole buffer must sum to 0xFFFF.
        if ((flags & GreField.ChecksumPresent) != 0 && (policy & ChecksumPolicy.Verify) != 0 && !InternetChecksum.Verify(buffer))
        {
            error = WireError.BadChecksum;
            return false;
        }
        packet = new GrePacket(buffer);
        error = WireError.None;
        return true;
    }

    internal static int HeaderLengthOf(ushort flags) =>
        GreField.BaseLength
        + ((flags & GreField.ChecksumPresent) != 0 ? GreField.WordLength : 0)
        + ((flags & GreField.KeyPresent) != 0 ? GreField.WordLength : 0)
        + ((flags & GreField.SequencePresent) != 0 ? GreField.WordLength : 0);

    private ushort Flags => BinaryPrimitives.ReadUInt16BigEndian(Buffer);

    public bool ChecksumPresent => (Flags & GreField.ChecksumPresent) != 0;
    public bool KeyPresent => (Flags & GreField.KeyPresent) != 0;
    public bool SequencePresent => (Flags & GreField.SequencePresent) != 0;
    /// <summary>The payload's EtherType (RFC 2784 sec 2.4); values outside <see cref="EtherType"/> are kept as they are.</summary>
    public EtherType ProtocolType => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(Buffer[GreField.ProtocolType..]);
    public int HeaderLength => HeaderLengthOf(Flags);

    /// <summary>The checksum field, or null when the C bit is clear.</summary>
    public ushort? Checksum => ChecksumPresent ? BinaryPrimitives.ReadUInt16BigEndian(Buffer[GreField.Optional..]) : null;
    /// <summary>The Reserved1 field (sent as zero, RFC 2784 sec 2.6), or null when the C bit is clear.</summary>
    public ushort? Reserved1 => ChecksumPresent ? BinaryPrimitives.ReadUInt16BigEndian(Buffer[(GreField.Optional + 2)..]) : null;
    /// <summary>The key (RFC 2890 sec 2.1), or null when the K bit is clear.</summary>
    public uint? Key => KeyPresent ? BinaryPrimitives.ReadUInt32BigEndian(Buffer[KeyOffset..]) : null;
    /// <summary>The sequence number (RFC 2890 sec 2.2), or null when the S bit is clear.</summary>
    public uint? SequenceNumber => SequencePresent ? BinaryPrimitives.ReadUInt32BigEndian(Buffer[(HeaderLength - GreField.WordLength)..]) : null;
    public ReadOnlySpan<byte> Payload => Buffer[HeaderLength..];

    private int KeyOffset => GreField.Optional + (ChecksumPresent ? GreField.WordLength : 0);
}

/// <summary>
/// Representation of a GRE header (RFC 2784, RFC 2890). <see cref="Checksum"/> is the field as carried;
/// <see cref="EmitPacket"/> computes it over header and payload.
/// </summary>
public readonly record struct GreHeader(EtherType ProtocolType, uint? Key = null, uint? SequenceNumber = null, bool ChecksumPresent = false, ushort Checksum = 0)
{
    public const int MinLength = GreField.BaseLength;
    public const int MaxLength = GreField.BaseLength + 3 * GreField.WordLength;

    public int Length =>
        GreField.BaseLength
        + (ChecksumPresent ? GreField.WordLength : 0)
        + (Key is null ? 0 : GreField.WordLength)
        + (SequenceNumber is null ? 0 : GreField.WordLength);

    /// <summary>
    /// Parses the header of a GRE packet. <paramref name="buffer"/> is header and payload, as for
    /// <see cref="GrePacket.TryCreate"/>; the checksum is verified over all of it when the policy says so.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, ChecksumPolicy policy, out GreHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!GrePacket.TryCreate(buffer, policy, out var packet, out error)) return false;
        header = new GreHeader(packet.ProtocolType, packet.Key, packet.SequenceNumber, packet.ChecksumPresent, packet.Checksum ?? 0);
        bytesConsumed = packet.HeaderLength;
        return true;
    }

    /// <summary>
    /// Writes the header into the first <see cref="Length"/> bytes of <paramref name="buffer"/>, the checksum
    /// field as <see cref="Checksum"/> holds it; returns the bytes written. Reserved bits are written as zero.
    /// </summary>
    public int Emit(Span<byte> buffer)
    {
        int length = Length;
        var header = buffer[..length];
        ushort flags = (ushort)((ChecksumPresent ? GreField.ChecksumPresent : 0)
                              | (Key is null ? 0 : GreField.KeyPresent)
                              | (SequenceNumber is null ? 0 : GreField.SequencePresent));
        BinaryPrimitives.WriteUInt16BigEndian(header[GreField.FlagsAndVersion..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[GreField.ProtocolType..], (ushort)ProtocolType);
        int offset = GreField.Optional;
        if (ChecksumPresent)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header[offset..], Checksum);
            BinaryPrimitives.WriteUInt16BigEndian(header[(offset + 2)..], 0); // Reserved1, RFC 2784 sec 2.6
            offset += GreField.WordLength;
        }
        if (Key is uint key)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header[offset..], key);
            offset += GreField.WordLength;
        }
        if (SequenceNumber is uint sequence) BinaryPrimitives.WriteUInt32BigEndian(header[offset..], sequence);
        return length;
    }

    /// <summary>
    /// Writes the header in front of a payload the caller has already placed at
    /// <c>packet[Length..(Length + payloadLength)]</c>. When the C bit is set and the policy computes checksums,
    /// the checksum covers header and payload with the field zero while summing (RFC 2784 sec 2.5); otherwise
    /// the field is written as <see cref="Checksum"/> holds it. Returns the GRE packet length (header plus payload).
    /// </summary>
    public int EmitPacket(Span<byte> packet, int payloadLength, ChecksumPolicy policy)
    {
        int headerLength = Length;
        var whole = packet[..(headerLength + payloadLength)];
        if (!ChecksumPresent || (policy & ChecksumPolicy.Compute) == 0)
        {
            Emit(whole);
            return whole.Length;
        }
        (this with { Checksum = 0 }).Emit(whole);
        BinaryPrimitives.WriteUInt16BigEndian(whole[GreField.Optional..], InternetChecksum.Compute(whole));
        return whole.Length;
    }
}
