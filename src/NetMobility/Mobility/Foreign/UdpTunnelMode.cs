namespace NetMobility.Mobility.Foreign;

/// <summary>Whether a foreign agent asks home agents for UDP tunnelling (RFC 3519) when it relays a registration.</summary>
public enum UdpTunnelMode
{
    /// <summary>No UDP Tunnel Request extension: tunnelling as the request's flags say.</summary>
    Off,
    /// <summary>The extension without F: the home agent tunnels in UDP when it sees a NAT between itself and the care-of address.</summary>
    Request,
    /// <summary>The extension with F (RFC 3519 sec 3.1.1): UDP tunnelling whether or not a NAT is seen.</summary>
    Force,
}
