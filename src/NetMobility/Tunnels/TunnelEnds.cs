using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The outer ends of a tunnel and what every kind takes from them: addresses, the underlay MTU, and for kinds that
/// write a fresh outer header the TTL (0: inherit from the inner packet).
/// </summary>
public readonly record struct TunnelEnds(Ipv4Address Local, Ipv4Address Remote, int UnderlayMtu = 1500, byte OuterTtl = 0)
{
    internal T Apply<T>(T options) where T : IpTunnelOptions => options with { UnderlayMtu = UnderlayMtu, Ttl = OuterTtl };
}
