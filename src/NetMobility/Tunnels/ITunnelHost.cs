using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// What a tunnel endpoint needs from the node it lives on: a way out for encapsulated packets, a way in for
/// decapsulated ones, and someone to tell the sender of a packet that was too big.
/// Spans are valid only during the call.
/// </summary>
public interface ITunnelHost : IInnerPacketSink
{
    /// <summary>An outer IPv4 packet, header checksum set, for the node to route toward the far endpoint.</summary>
    void Transmit(ReadOnlySpan<byte> outerPacket);

    /// <summary>
    /// An inner IPv4 packet with DF set did not fit the tunnel, or a router inside the tunnel reported that one did
    /// not fit the path (<paramref name="innerPacket"/> then holds as much as it quoted): the node answers its source with ICMP destination
    /// unreachable, fragmentation needed, carrying <paramref name="mtu"/> as the next-hop MTU (RFC 1191 sec 4),
    /// as a router does for any interface whose MTU a DF packet exceeds (RFC 1812 sec 5.2.7.1).
    /// </summary>
    void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu);

    /// <summary>
    /// A router inside the tunnel could not deliver an outer packet: the node tells the sender of the inner packet
    /// <paramref name="innerPacket"/> (whole, or as much as the router quoted) with ICMP destination unreachable,
    /// <paramref name="code"/>, as RFC 2003 sec 4.1 maps the router's error.
    /// </summary>
    void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code);
}
