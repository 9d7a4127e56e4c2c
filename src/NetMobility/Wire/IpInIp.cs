using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  IP in IP (RFC 2003 sec 3): an outer IPv4 header is put in front of the datagram, which is left as it is
    (apart from the TTL when the encapsulator is forwarding it).

    +---------------------------+
    |      Outer IP Header      |  protocol 4, tunnel entry -> tunnel exit
    +---------------------------+        +---------------------------+
    |        IP Header          |        |        IP Header          |
    +---------------------------+  <==   +---------------------------+
    |        IP Payload         |        |        IP Payload         |
    +---------------------------+        +---------------------------+

    Only the fields of the IPv4 header these rules need are read, at their fixed RFC 791 sec 3.1 offsets.
*/

/// <summary>What RFC 2003 sec 3.1 carries from the inner datagram into the outer header.</summary>
/// <param name="TypeOfService">Copied from the inner header.</param>
/// <param name="DontFragment">Set when the inner header has DF set (an encapsulator MAY set it otherwise too).</param>
/// <param name="TotalLength">The outer datagram: outer header plus the whole inner datagram.</param>
public readonly record struct IpInIpOuterFields(byte TypeOfService, bool DontFragment, ushort TotalLength);

/// <summary>
/// The encapsulator's and decapsulator's rules of IP in IP (RFC 2003), as small functions over the bytes of
/// an IPv4 datagram. The outer header has no options, so it is always <see cref="OuterHeaderLength"/> long.
/// </summary>
public static class IpInIp
{
    public const int OuterHeaderLength = Ipv4Field.MinHeaderLength;

    /// <summary>
    /// Checks that <paramref name="innerDatagram"/> starts with a whole IPv4 datagram that still fits in IPv4 once
    /// encapsulated, and derives the outer fields from its header (RFC 2003 sec 3.1: TOS copied, DF copied).
    /// Bytes after the inner total length (link padding) are not part of the datagram.
    /// </summary>
    public static bool TryDeriveOuterFields(ReadOnlySpan<byte> innerDatagram, out IpInIpOuterFields fields, out WireError error)
    {
        fields = default;
        if (!Ipv4Packet.TryMeasure(innerDatagram, out _, out int totalLength, out error)) return false;
        if (totalLength + OuterHeaderLength > ushort.MaxValue) { error = WireError.BadLength; return false; }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(innerDatagram[Ipv4Field.FlagsFragment..]);
        fields = new IpInIpOuterFields(
            innerDatagram[Ipv4Field.TypeOfService],
            (flags & Ipv4Field.DontFragmentFlag) != 0,
            (ushort)(totalLength + OuterHeaderLength));
        return true;
    }

    /// <summary>
    /// RFC 2003 sec 3.1: the inner TTL is decremented by one when the tunnel is entered as part of forwarding
    /// the datagram, and left alone otherwise; an encapsulator MUST NOT encapsulate a datagram whose TTL is
    /// (or so becomes) zero. False means: discard, and answer with ICMP Time Exceeded.
    /// </summary>
    public static bool TryInnerTtlAfterEncapsulation(byte innerTtl, bool forwarding, out byte ttl)
    {
        int result = forwarding ? innerTtl - 1 : innerTtl;
        ttl = (byte)Math.Max(result, 0);
        return result > 0;
    }

    /// <summary>
    /// Writes a 20-octet outer IPv4 header (no options, protocol 4, header checksum computed) into the first
    /// <see cref="OuterHeaderLength"/> bytes of <paramref name="outer"/>. The outer TTL is the caller's: RFC 2003
    /// sec 3.1 asks for "a value appropriate for delivery of the encapsulated datagram to the tunnel exit point".
    /// </summary>
    public static int WriteOuterHeader(Span<byte> outer, in IpInIpOuterFields fields, Ipv4Address tunnelEntry, Ipv4Address tunnelExit, byte ttl, ushort identification)
    {
        return new Ipv4Header(tunnelEntry, tunnelExit, IpProtocol.IpInIp, fields.TotalLength - OuterHeaderLength, ttl, identification,
            fields.DontFragment, Dscp: (byte)(fields.TypeOfService >> 2), Ecn: (byte)(fields.TypeOfService & 3)).Emit(outer);
    }

    /// <summary>
    /// Encapsulates in place: the inner datagram is already at <c>packet[OuterHeaderLength..]</c>
    /// (<paramref name="innerLength"/> bytes of it, link padding allowed), and the outer header is written in
    /// front of it. Returns the outer datagram's length. The inner TTL is not touched here; see
    /// <see cref="TryInnerTtlAfterEncapsulation"/>. On failure nothing is written.
    /// </summary>
    public static bool TryEncapsulate(Span<byte> packet, int innerLength, Ipv4Address tunnelEntry, Ipv4Address tunnelExit, byte outerTtl, ushort identification, out int packetLength, out WireError error)
    {
        packetLength = 0;
        if (!TryDeriveOuterFields(packet.Slice(OuterHeaderLength, innerLength), out var fields, out error)) return false;
        WriteOuterHeader(packet, fields, tunnelEntry, tunnelExit, outerTtl, identification);
        packetLength = fields.TotalLength;
        return true;
    }

    /// <summary>
    /// Finds the inner datagram of an IP-in-IP datagram: the outer header must carry protocol 4 and the
    /// inner datagram must be a whole IPv4 datagram within the outer total length. The outer header's own
    /// checksum is the IPv4 layer's to check.
    /// </summary>
    public static bool TryDecapsulate(ReadOnlySpan<byte> outerDatagram, out int innerOffset, out int innerLength, out WireError error)
    {
        innerOffset = 0;
        innerLength = 0;
        if (!Ipv4Packet.TryMeasure(outerDatagram, out int headerLength, out int outerLength, out error)) return false;
        if (outerDatagram[Ipv4Field.Protocol] != (byte)IpProtocol.IpInIp) { error = WireError.Unsupported; return false; }
        var inner = outerDatagram[headerLength..outerLength];
        if (!Ipv4Packet.TryMeasure(inner, out _, out int length, out error)) return false;
        innerOffset = headerLength;
        innerLength = length;
        return true;
    }
}
