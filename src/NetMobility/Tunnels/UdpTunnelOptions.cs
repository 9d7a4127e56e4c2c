using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A Mobile IP UDP tunnel (RFC 3519 sec 3.3, 4.2): the inner IPv4 packet behind an outer IPv4 header, a UDP header
/// and the 4-octet tunnel data header (Next Header 4, IP in IP). The ports are what gets it through a NAT: the
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
    /// a 4-octet GRE header, RFC 2784, with protocol type IPv4 in front of the inner packet). Both ends must agree;
    /// a registration's UDP Tunnel Request says which (sec 3.1.4). Minimal encapsulation (55) is not carried.
    /// </summary>
    public IpProtocol Carries { get; init; } = IpProtocol.IpInIp;

    /// <summary>
    /// The input key of a UDP tunnel in its node's <see cref="TunnelTable"/>: the remote port, and above it the Next Header
    /// it carries, so that one NAT mapping can hold a tunnel per carried kind (two visitors of one foreign agent, one asking
    /// for GRE and one for IP in IP) and a re-registration that changes the kind never finds the old tunnel in its way.
    /// </summary>
    public static uint InputKeyOf(ushort remotePort, IpProtocol carries) => remotePort | (uint)carries << 16;

    /// <summary>The GRE header behind the tunnel data header when <see cref="Carries"/> is GRE; 0 otherwise.</summary>
    public int CarriedHeaderLength => Carries == IpProtocol.Gre ? GreHeader.MinLength : 0;

    /// <summary>Outer IPv4 header, UDP header, tunnel data header and, for GRE inside, the GRE header.</summary>
    public override int Overhead => TunnelMtu.Ipv4HeaderLength + UdpHeader.HeaderLength + TunnelDataHeader.HeaderLength + CarriedHeaderLength;

    public override string? Validate()
    {
        if (base.Validate() is string problem) return problem;
        if (Carries is not (IpProtocol.IpInIp or IpProtocol.Gre)) return "a UDP tunnel carries IP in IP (4) or GRE (47)";
        if (LocalPort == 0 || RemotePort == 0) return "UDP tunnel ports must be 1..65535";
        if (KeepaliveInterval is { } k && k <= TimeSpan.Zero) return "keepalive interval must be positive";
        return null;
    }
}
