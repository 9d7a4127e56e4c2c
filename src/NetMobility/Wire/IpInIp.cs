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

/// <summary>
/// IP in IP (RFC 2003) over the bytes of an IPv4 datagram: the outer header's length and where the inner datagram
/// lies. The encapsulator's outer header is written through <see cref="Ipv4Header"/> by the tunnel endpoint, which
/// also keeps RFC 2003's TTL and source rules.
/// </summary>
public static class IpInIp
{
    public const int OuterHeaderLength = Ipv4Field.MinHeaderLength;

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
