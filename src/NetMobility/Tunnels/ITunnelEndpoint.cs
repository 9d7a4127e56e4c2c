using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// One end of a point-to-point IPv4 tunnel (GRE, IP-in-IP, minimal encapsulation). <see cref="Send"/>
/// encapsulates an inner packet and hands the outer one to the host; <see cref="Receive"/> checks and
/// decapsulates an outer packet and hands the inner one to the host. Neither allocates per packet.
/// An endpoint is driven from one thread at a time (its node's event loop).
/// </summary>
public interface ITunnelEndpoint : IDisposable
{
    /// <summary>The outer IPv4 protocol this endpoint speaks (GRE 47, IP-in-IP 4, minimal encapsulation 55).</summary>
    IpProtocol OuterProtocol { get; }

    Ipv4Address Local { get; }
    Ipv4Address Remote { get; }

    /// <summary>The key received packets must carry, for endpoints that match on one (GRE ikey); null otherwise.</summary>
    uint? InputKey { get; }

    /// <summary>The largest inner IPv4 packet sent without fragmenting now: the configured tunnel MTU, or less once a router inside the tunnel reported a smaller path (RFC 2003 sec 5.1).</summary>
    int Mtu { get; }

    TunnelCounters Counters { get; }

    /// <summary>Encapsulates one inner packet (an IPv4 packet, or an Ethernet frame for gretap).</summary>
    void Send(ReadOnlySpan<byte> inner);

    /// <summary>Decapsulates one outer IPv4 packet addressed to this endpoint; its header is parsed and its checksum verified here.</summary>
    void Receive(ReadOnlySpan<byte> outer);

    /// <summary>
    /// Decapsulates one outer IPv4 packet the node has parsed and verified already (the way in from a node's
    /// <see cref="TunnelTable"/>): the outer header is not parsed again.
    /// </summary>
    void Receive(Ipv4Packet outer);

    /// <summary>
    /// An ICMP error a router inside the tunnel sent about one of this endpoint's outer packets, quoted in
    /// <paramref name="quotedOuter"/> (RFC 2003 sec 4): datagram too big lowers the tunnel MTU (soft state, sec 5.1),
    /// and what the table of sec 4.1 says to relay goes to the inner packet's sender through the host, when the
    /// quote holds the inner header.
    /// </summary>
    void ReceiveError(Icmpv4Packet error, Ipv4Packet quotedOuter);
}
