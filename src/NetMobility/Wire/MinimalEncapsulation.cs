using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  Minimal forwarding header, RFC 2004 sec 3 (IP protocol 55), inserted after the IP header:

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   Protocol    |S|  reserved   |        Header Checksum        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                 Original Destination Address                  |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    :            (if present) Original Source Address               :
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    The checksum covers this header only (8 or 12 octets), with the checksum field zero while summing.
*/
file static class MinimalField
{
    public const int Protocol = 0;
    public const int Flags = 1;
    public const int Checksum = 2;
    public const int OriginalDestination = 4;
    public const int OriginalSource = 8;
    public const int ShortLength = 8;
    public const int LongLength = 12;
    public const byte SourcePresent = 0x80;
}

/// <summary>
/// Zero-copy view of a minimal forwarding header and what follows it (the original IP payload).
/// <see cref="TryCreate"/> checks the length and, when asked, the header checksum; after it succeeds every
/// accessor is safe. The reserved bits are ignored.
/// </summary>
public readonly ref struct MinimalForwardingPacket
{
    public ReadOnlySpan<byte> Buffer { get; }

    private MinimalForwardingPacket(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, ChecksumPolicy policy, out MinimalForwardingPacket packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < MinimalField.ShortLength) { error = WireError.Truncated; return false; }
        int length = LengthOf(buffer[MinimalField.Flags]);
        if (buffer.Length < length) { error = WireError.Truncated; return false; }
        if ((policy & ChecksumPolicy.Verify) != 0 && !InternetChecksum.Verify(buffer[..length])) { error = WireError.BadChecksum; return false; }
        packet = new MinimalForwardingPacket(buffer);
        error = WireError.None;
        return true;
    }

    internal static int LengthOf(byte flags) => (flags & MinimalField.SourcePresent) != 0 ? MinimalField.LongLength : MinimalField.ShortLength;

    /// <summary>The protocol of the original datagram, restored into the IP header on decapsulation.</summary>
    public IpProtocol Protocol => (IpProtocol)Buffer[MinimalField.Protocol];
    public bool SourcePresent => (Buffer[MinimalField.Flags] & MinimalField.SourcePresent) != 0;
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Buffer[MinimalField.Checksum..]);
    public Ipv4Address OriginalDestination => Ipv4Address.Read(Buffer[MinimalField.OriginalDestination..]);
    /// <summary>The original source, or null when the S bit is clear (the encapsulator was the source).</summary>
    public Ipv4Address? OriginalSource => SourcePresent ? Ipv4Address.Read(Buffer[MinimalField.OriginalSource..]) : null;
    public int HeaderLength => LengthOf(Buffer[MinimalField.Flags]);
    public ReadOnlySpan<byte> Payload => Buffer[HeaderLength..];
}

/// <summary>Representation of a minimal forwarding header (RFC 2004 sec 3). Emit always computes the checksum.</summary>
public readonly record struct MinimalForwardingHeader(IpProtocol Protocol, Ipv4Address OriginalDestination, Ipv4Address? OriginalSource = null)
{
    public int Length => OriginalSource is null ? MinimalField.ShortLength : MinimalField.LongLength;

    public static bool TryParse(ReadOnlySpan<byte> buffer, ChecksumPolicy policy, out MinimalForwardingHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!MinimalForwardingPacket.TryCreate(buffer, policy, out var packet, out error)) return false;
        header = new MinimalForwardingHeader(packet.Protocol, packet.OriginalDestination, packet.OriginalSource);
        bytesConsumed = packet.HeaderLength;
        return true;
    }

    /// <summary>Writes the header, reserved bits zero and checksum computed, into the first <see cref="Length"/> bytes; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        var h = buffer[..Length];
        h[MinimalField.Protocol] = (byte)Protocol;
        h[MinimalField.Flags] = OriginalSource is null ? (byte)0 : MinimalField.SourcePresent;
        BinaryPrimitives.WriteUInt16BigEndian(h[MinimalField.Checksum..], 0);
        OriginalDestination.Write(h[MinimalField.OriginalDestination..]);
        if (OriginalSource is Ipv4Address source) source.Write(h[MinimalField.OriginalSource..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[MinimalField.Checksum..], InternetChecksum.Compute(h));
        return h.Length;
    }
}

/// <summary>
/// The encapsulation and decapsulation of RFC 2004 sec 3, done in place on an IPv4 datagram in a caller's
/// buffer: no second IP header, the original one is rewritten and the forwarding header goes between it and
/// the payload. Both check everything before they change a byte, so a refused datagram is left as it was.
/// </summary>
public static class MinimalEncapsulation
{
    /// <summary>
    /// Encapsulates the datagram at the start of <paramref name="buffer"/> (<paramref name="datagramLength"/> bytes,
    /// link padding allowed) for the tunnel from <paramref name="encapsulator"/> to <paramref name="tunnelExit"/>.
    /// The buffer needs room for 8 or 12 more bytes. RFC 2004 sec 3: protocol becomes 55, destination the tunnel exit,
    /// source the encapsulator when it is not the original source (then the S bit keeps the original source),
    /// total length grows by the forwarding header, header checksum recomputed, TTL left alone.
    /// Refused: a fragment (Unsupported; RFC 2004 sec 3 forbids it), a datagram that would outgrow IPv4
    /// or the buffer (BadLength), a buffer that is not a whole IPv4 datagram.
    /// </summary>
    public static bool TryEncapsulate(Span<byte> buffer, int datagramLength, Ipv4Address encapsulator, Ipv4Address tunnelExit, out int encapsulatedLength, out WireError error)
    {
        encapsulatedLength = 0;
        if ((uint)datagramLength > (uint)buffer.Length) { error = WireError.BadLength; return false; }
        if (!Ipv4Packet.TryMeasure(buffer[..datagramLength], out int headerLength, out int totalLength, out error)) return false;
        if ((BinaryPrimitives.ReadUInt16BigEndian(buffer[Ipv4Field.FlagsFragment..]) & (Ipv4Field.MoreFragmentsFlag | Ipv4Field.FragmentOffsetMask)) != 0)
        {
            error = WireError.Unsupported;
            return false;
        }
        var originalSource = Ipv4Address.Read(buffer[Ipv4Field.Source..]);
        var forwarding = new MinimalForwardingHeader(
            (IpProtocol)buffer[Ipv4Field.Protocol],
            Ipv4Address.Read(buffer[Ipv4Field.Destination..]),
            originalSource == encapsulator ? null : originalSource);
        int newLength = totalLength + forwarding.Length;
        if (newLength > ushort.MaxValue || newLength > buffer.Length) { error = WireError.BadLength; return false; }

        buffer[headerLength..totalLength].CopyTo(buffer[(headerLength + forwarding.Length)..]);
        forwarding.Emit(buffer[headerLength..]);
        buffer[Ipv4Field.Protocol] = (byte)IpProtocol.MinimalEncapsulation;
        tunnelExit.Write(buffer[Ipv4Field.Destination..]);
        encapsulator.Write(buffer[Ipv4Field.Source..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.TotalLength..], (ushort)newLength);
        Ipv4InPlace.RewriteChecksum(buffer[..headerLength]);
        encapsulatedLength = newLength;
        return true;
    }

    /// <summary>
    /// Restores the original datagram from a minimal-encapsulated one at the start of <paramref name="buffer"/>
    /// (RFC 2004 sec 3): protocol, destination and (when S is set) source come back from the forwarding header,
    /// which is removed; total length shrinks and the header checksum is recomputed. The forwarding header's
    /// checksum is verified when the policy says so.
    /// </summary>
    public static bool TryDecapsulate(Span<byte> buffer, int datagramLength, ChecksumPolicy policy, out int decapsulatedLength, out WireError error)
    {
        decapsulatedLength = 0;
        if ((uint)datagramLength > (uint)buffer.Length) { error = WireError.BadLength; return false; }
        if (!Ipv4Packet.TryMeasure(buffer[..datagramLength], out int headerLength, out int totalLength, out error)) return false;
        if (buffer[Ipv4Field.Protocol] != (byte)IpProtocol.MinimalEncapsulation) { error = WireError.Unsupported; return false; }
        if (!MinimalForwardingHeader.TryParse(buffer[headerLength..totalLength], policy, out var forwarding, out int forwardingLength, out error)) return false;

        buffer[Ipv4Field.Protocol] = (byte)forwarding.Protocol;
        forwarding.OriginalDestination.Write(buffer[Ipv4Field.Destination..]);
        forwarding.OriginalSource?.Write(buffer[Ipv4Field.Source..]);
        buffer[(headerLength + forwardingLength)..totalLength].CopyTo(buffer[headerLength..]);
        int newLength = totalLength - forwardingLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.TotalLength..], (ushort)newLength);
        Ipv4InPlace.RewriteChecksum(buffer[..headerLength]);
        decapsulatedLength = newLength;
        return true;
    }

    /// <summary>
    /// The original datagram as far as an ICMP error quotes a minimal-encapsulated one (RFC 792: header and at least
    /// 8 bytes; RFC 1812 sec 4.3.2.3: as much as fits), restored into <paramref name="destination"/> the way
    /// <see cref="TryDecapsulate"/> restores a whole one, so that an encapsulator can relay the error to the original
    /// sender (RFC 2004 sec 3 points to RFC 2003 sec 4). Nothing is verified beyond lengths: the quoting router may
    /// have changed the header. False when the quote does not hold the whole forwarding header.
    /// </summary>
    public static bool TryRestoreQuoted(ReadOnlySpan<byte> quoted, Span<byte> destination, out int restoredLength, out WireError error)
    {
        restoredLength = 0;
        if (!Ipv4Packet.TryCreateQuoted(quoted, out var outer, out error)) return false;
        if (outer.Protocol != IpProtocol.MinimalEncapsulation) { error = WireError.Unsupported; return false; }
        if (!MinimalForwardingPacket.TryCreate(outer.Payload, ChecksumPolicy.None, out var forwarding, out error)) return false;
        int headerLength = outer.HeaderLength;
        int length = headerLength + forwarding.Payload.Length;
        if (length > destination.Length) { error = WireError.BadLength; return false; }
        outer.Header.CopyTo(destination);
        destination[Ipv4Field.Protocol] = (byte)forwarding.Protocol;
        forwarding.OriginalDestination.Write(destination[Ipv4Field.Destination..]);
        forwarding.OriginalSource?.Write(destination[Ipv4Field.Source..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Ipv4Field.TotalLength..], (ushort)(outer.TotalLength - forwarding.HeaderLength));
        forwarding.Payload.CopyTo(destination[headerLength..]);
        Ipv4InPlace.RewriteChecksum(destination[..headerLength]);
        restoredLength = length;
        return true;
    }
}
