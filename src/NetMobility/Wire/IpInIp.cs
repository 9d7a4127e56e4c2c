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
file static class Ipv4Field
{
    public const int VersionAndIhl = 0;
    public const int TypeOfService = 1;
    public const int TotalLength = 2;
    public const int Identification = 4;
    public const int FlagsAndFragment = 6;
    public const int Ttl = 8;
    public const int Protocol = 9;
    public const int Checksum = 10;
    public const int Source = 12;
    public const int Destination = 16;
    public const int MinHeaderLength = 20;
    public const ushort DontFragment = 0x4000;
    public const int MaxTotalLength = ushort.MaxValue;
}

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
        if (!TryMeasure(innerDatagram, out int totalLength, out error)) return false;
        if (totalLength + OuterHeaderLength > Ipv4Field.MaxTotalLength) { error = WireError.BadLength; return false; }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(innerDatagram[Ipv4Field.FlagsAndFragment..]);
        fields = new IpInIpOuterFields(
            innerDatagram[Ipv4Field.TypeOfService],
            (flags & Ipv4Field.DontFragment) != 0,
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
        var h = outer[..OuterHeaderLength];
        h[Ipv4Field.VersionAndIhl] = 0x45;
        h[Ipv4Field.TypeOfService] = fields.TypeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Field.TotalLength..], fields.TotalLength);
        BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Field.Identification..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Field.FlagsAndFragment..], fields.DontFragment ? Ipv4Field.DontFragment : (ushort)0);
        h[Ipv4Field.Ttl] = ttl;
        h[Ipv4Field.Protocol] = (byte)IpProtocol.IpInIp;
        BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Field.Checksum..], 0);
        tunnelEntry.Write(h[Ipv4Field.Source..]);
        tunnelExit.Write(h[Ipv4Field.Destination..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[Ipv4Field.Checksum..], InternetChecksum.Compute(h));
        return OuterHeaderLength;
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
        if (!TryMeasure(outerDatagram, out int outerLength, out error)) return false;
        if (outerDatagram[Ipv4Field.Protocol] != (byte)IpProtocol.IpInIp) { error = WireError.Unsupported; return false; }
        int headerLength = (outerDatagram[Ipv4Field.VersionAndIhl] & 0x0F) * 4;
        var inner = outerDatagram[headerLength..outerLength];
        if (!TryMeasure(inner, out int length, out error)) return false;
        innerOffset = headerLength;
        innerLength = length;
        return true;
    }

    /// <summary>Checks version, header length and total length of the IPv4 datagram at the start of <paramref name="datagram"/>.</summary>
    private static bool TryMeasure(ReadOnlySpan<byte> datagram, out int totalLength, out WireError error)
    {
        totalLength = 0;
        if (datagram.Length < Ipv4Field.MinHeaderLength) { error = WireError.Truncated; return false; }
        if (datagram[Ipv4Field.VersionAndIhl] >> 4 != 4) { error = WireError.BadVersion; return false; }
        int headerLength = (datagram[Ipv4Field.VersionAndIhl] & 0x0F) * 4;
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[Ipv4Field.TotalLength..]);
        if (headerLength < Ipv4Field.MinHeaderLength || length < headerLength) { error = WireError.BadLength; return false; }
        if (length > datagram.Length) { error = WireError.Truncated; return false; }
        totalLength = length;
        error = WireError.None;
        return true;
    }
}
