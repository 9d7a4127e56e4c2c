using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A Mobile IP UDP tunnel (RFC 3519 sec 3.3, 4.2): the inner IPv4 packet behind an outer IPv4 header, a UDP header
/// and the 4-octet tunnel data header (Next Header 4, IP in IP; or GRE or minimal encapsulation, <see cref="Carries"/>). The ports are what gets it through a NAT: the
/// foreign agent's end sends from the port its registration went out from, to the home agent's 434; the home agent's
/// end answers from 434 to the address and port the NAT gave that registration.
/// </summary>
public sealed record UdpTunnelOptions : IpTunnelOptions
{
    /// <summary>RFC 3519 sec 4.2: tunnel data travels on the Mobile IP port.</summary>
    public const ushort MobileIpPort = 434;

    public ushort LocalPort { get; init; } = MobileIpPort;

    public ushort RemotePort { get; init; } = MobileIpPort;

    /// <summary>
    /// RFC 3519 sec 4.9: with a NAT between the ends, the end behind it sends a keepalive when nothing else went
    /// into the tunnel for this long, so the NAT keeps its mapping. Null: no keepalives (the home agent's end).
    /// </summary>
    public TimeSpan? KeepaliveInterval { get; init; }

    /// <summary>
    /// What follows the tunnel data header (RFC 3519 sec 3.3, its Next Header): IP in IP (4, the default), or GRE (47:
    /// a 4-octet GRE header, RFC 2784, with protocol type IPv4 in front of the inner packet), or minimal encapsulation
    /// (55: a 12-octet minimal forwarding header, RFC 2004, with the inner header as the outer one). Both ends must agree;
    /// a registration's UDP Tunnel Request says which (sec 3.1.4).
    /// </summary>
    public IpProtocol Carries { get; init; } = IpProtocol.IpInIp;

    /// <summary>
    /// The input key of a UDP tunnel in its node's <see cref="TunnelTable"/>: the remote port, and above it the Next Header
    /// it carries, so that one NAT mapping can hold a tunnel per carried kind (two visitors of one foreign agent, one asking
    /// for GRE and one for IP in IP) and a re-registration that changes the kind never finds the old tunnel in its way.
    /// </summary>
    public static uint InputKeyOf(ushort remotePort, IpProtocol carries) => remotePort | (uint)carries << 16;

    /// <summary>
    /// The header behind the tunnel data header: GRE's 4 octets when <see cref="Carries"/> is GRE, the minimal forwarding
    /// header's 12 (original source always present) for minimal encapsulation; 0 for IP in IP.
    /// </summary>
    public int CarriedHeaderLength => Carries switch
    {
        IpProtocol.Gre => GreHeader.MinLength,
        IpProtocol.MinimalEncapsulation => MinimalForwardingLength,
        _ => 0,
    };

    private const int MinimalForwardingLength = 12;

    /// <summary>
    /// Outer IPv4 header, UDP header, tunnel data header and, for GRE inside, the GRE header; for minimal encapsulation
    /// no outer IPv4 header of its own (the inner one is rewritten into it, RFC 2004 sec 3).
    /// </summary>
    public override int Overhead => (Carries == IpProtocol.MinimalEncapsulation ? 0 : TunnelMtu.Ipv4HeaderLength)
        + UdpHeader.HeaderLength + TunnelDataHeader.HeaderLength + CarriedHeaderLength;

    public override string? Validate()
    {
        if (base.Validate() is string problem) return problem;
        if (Carries is not (IpProtocol.IpInIp or IpProtocol.Gre or IpProtocol.MinimalEncapsulation))
            return "a UDP tunnel carries IP in IP (4), GRE (47) or minimal encapsulation (55)";
        if (LocalPort == 0 || RemotePort == 0) return "UDP tunnel ports must be 1..65535";
        if (KeepaliveInterval is { } k && k <= TimeSpan.Zero) return "keepalive interval must be positive";
        return null;
    }
}
