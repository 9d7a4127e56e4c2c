using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

/// <summary>
/// One mobility binding at a home agent (RFC 5944 sec 3.8.1): a home address, a care-of address it is tunnelled
/// to, how, and until when. <see cref="ExpiresTicks"/> is the UTC tick count of the end of the lifetime, or
/// <see cref="long.MaxValue"/> for an infinite lifetime (0xFFFF, RFC 5944 sec 3.3). A binding tunnelled in UDP
/// (RFC 3519) also names where its tunnel leads: the address and port its registration came from, a NAT's mapping
/// when there is one between the agent and the care-of address, and what the tunnel carries behind its tunnel data
/// header (<see cref="UdpCarries"/>: IP in IP or GRE, as the request's UDP Tunnel Request extension asked, sec 3.1.4).
/// </summary>
public readonly record struct MobilityBinding(
    Ipv4Address HomeAddress,
    Ipv4Address CareOfAddress,
    TunnelKind Encapsulation,
    bool ReverseTunnel,
    ushort Lifetime,
    long ExpiresTicks,
    ulong Identification,
    Ipv4Address UdpAddress = default,
    ushort UdpPort = 0,
    IpProtocol UdpCarries = 0)
{
    /// <summary>Where the binding's tunnel leads: the care-of address, or for a UDP tunnel the address its registration came from.</summary>
    public Ipv4Address TunnelPeer => UdpPort != 0 ? UdpAddress : CareOfAddress;

    public const long Never = long.MaxValue;

    public bool IsInfinite => ExpiresTicks == Never;

    /// <summary>The expiry of a lifetime of <paramref name="lifetime"/> seconds granted at <paramref name="now"/>.</summary>
    public static long ExpiryOf(ushort lifetime, DateTimeOffset now) =>
        lifetime == RegistrationRequest.InfiniteLifetime ? Never : now.UtcTicks + lifetime * TimeSpan.TicksPerSecond;
}
