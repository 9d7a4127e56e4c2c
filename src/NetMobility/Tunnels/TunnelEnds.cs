using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The outer ends of a tunnel and what every kind takes from them: addresses, the underlay MTU, for kinds that
/// write a fresh outer header the TTL (0: inherit from the inner packet), and for a kind carried in UDP the ports
/// (0: the kind's own port) and what it carries behind its tunnel data header (0: the kind's own, IP in IP).
/// </summary>
public readonly record struct TunnelEnds(Ipv4Address Local, Ipv4Address Remote, int UnderlayMtu = 1500, byte OuterTtl = 0,
    ushort LocalPort = 0, ushort RemotePort = 0, IpProtocol Carries = 0)
{
    internal T Apply<T>(T options) where T : IpTunnelOptions => options with { UnderlayMtu = UnderlayMtu, Ttl = OuterTtl };

    internal UdpTunnelOptions ApplyPorts(UdpTunnelOptions options) => options with
    {
        LocalPort = LocalPort != 0 ? LocalPort : options.LocalPort,
        RemotePort = RemotePort != 0 ? RemotePort : options.RemotePort,
        Carries = Carries != 0 ? Carries : options.Carries,
    };
}
