using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Registration;

namespace NetMobility.Mobility.Foreign;

/// <summary>How a foreign agent serves visiting mobile nodes (RFC 5944 sec 2.3 and 3.7, RFC 3024 sec 4.2).</summary>
public sealed record ForeignAgentOptions
{
    /// <summary>The agent's address on the visitors' link: the source of its advertisements, where visitors send their requests.</summary>
    public required Ipv4Address Address { get; init; }

    /// <summary>Prefix length of the visitors' link, advertised in the Prefix-Lengths Extension (RFC 5944 sec 2.1.2).</summary>
    public int PrefixLength { get; init; } = 24;

    /// <summary>The care-of address offered: where home agents tunnel to and reverse tunnels start. Often an address on another interface.</summary>
    public required Ipv4Address CareOfAddress { get; init; }

    /// <summary>Longest registration lifetime accepted, advertised; a longer request is denied with 69 (RFC 5944 sec 3.7.2.1).</summary>
    public ushort MaxLifetime { get; init; } = 600;

    /// <summary>Encapsulations the agent decapsulates; a request for another is denied with 72.</summary>
    public TunnelKindSet Encapsulations { get; init; } = MobileIpEncapsulation.Negotiable;

    public ReverseTunnelPolicy ReverseTunnel { get; init; } = ReverseTunnelPolicy.Available;

    /// <summary>Whether visitors may send encapsulated to the agent (RFC 3024 sec 5.2); otherwise a request asking for it is denied with 79.</summary>
    public bool EncapsulatingDelivery { get; init; } = true;

    /// <summary>Visitors (accepted or pending) held at once; a new one beyond it is denied with 66 and the agent advertises itself busy.</summary>
    public int VisitorCapacity { get; init; } = 1024;

    /// <summary>How long a relayed request waits for the home agent's reply before the visitor gets 78 (RFC 5944 sec 3.7.1).</summary>
    public TimeSpan PendingTimeout { get; init; } = TimeSpan.FromSeconds(7);

    /// <summary>Deny with 67 a request that carries no valid Mobile-Foreign Authentication Extension.</summary>
    public bool RequireMobileForeignAuthentication { get; init; }

    /// <summary>Home agents the agent relays to; requests naming another are denied with 65. Null relays to any.</summary>
    public IReadOnlySet<Ipv4Address>? AllowedHomeAgents { get; init; }

    /// <summary>
    /// Whether relayed requests carry a UDP Tunnel Request extension (RFC 3519 sec 3.1), for an agent whose care-of
    /// address may sit behind a NAT. Off by default.
    /// </summary>
    public UdpTunnelMode UdpTunnel { get; init; } = UdpTunnelMode.Off;

    /// <summary>UDP source port of relayed requests; home agents answer to it, and a UDP tunnel's packets leave from it (RFC 3519 sec 4.2).</summary>
    public ushort RelayPort { get; init; } = RegistrationAddressing.Port;

    /// <summary>
    /// The shortest advertisement interval: RFC 5944 sec 2.3.1 asks an agent to limit the rate of its broadcast or
    /// multicast advertisements and recommends at most one a second (RFC 1256 sec 4.1's minimum for routers is 3 s).
    /// </summary>
    public static readonly TimeSpan MinAdvertisementInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest advertisement interval: RFC 1256 sec 4.1's upper bound on MaxAdvertisementInterval.</summary>
    public static readonly TimeSpan MaxAdvertisementInterval = TimeSpan.FromSeconds(1800);

    /// <summary>The longest advertisement lifetime, seconds: RFC 1256 sec 4.1's upper bound on AdvertisementLifetime.</summary>
    public const ushort MaxAdvertisementLifetime = 9000;

    /// <summary>Time between unsolicited agent advertisements, <see cref="MinAdvertisementInterval"/> to <see cref="MaxAdvertisementInterval"/>.</summary>
    public TimeSpan AdvertisementInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>ICMP lifetime of an advertisement, in seconds: at least one interval, at most 9000 (RFC 1256 sec 4.1; default three intervals).</summary>
    public ushort AdvertisementLifetime { get; init; } = 3;

    /// <summary>Where unsolicited advertisements go: all-systems multicast or the limited broadcast (RFC 5944 sec 2.3).</summary>
    public Ipv4Address AdvertisementDestination { get; init; } = AllSystems;

    /// <summary>Also offers home agent service on this link (the H bit).</summary>
    public bool AlsoHomeAgent { get; init; }

    /// <summary>
    /// The R bit (RFC 5944 sec 2.1.1, 3.6): a mobile node must register through this agent even with a co-located
    /// care-of address. On by default, as the visitors' link is the agent's to serve.
    /// </summary>
    public bool RegistrationRequired { get; init; } = true;

    /// <summary>
    /// The F bit: the agent offers foreign agent service on this link. On by default; off leaves an agent that only
    /// advertises home agent service (<see cref="AlsoHomeAgent"/>), for a link whose foreign agent is being retired.
    /// </summary>
    public bool ForeignAgentService { get; init; } = true;

    /// <summary>
    /// The B bit held on (RFC 5944 sec 2.1.1): the agent takes no new visitors, denying them with 66, while those it
    /// has are served and may renew (an agent being drained). Off, B follows the visitor list: set while it is full.
    /// </summary>
    public bool Busy { get; init; }

    /// <summary>
    /// The U bit (RFC 3519 sec 3.4, UDP Tunnelling Flag in Agent Advertisements; bit 0x0080 of the flags word, after T):
    /// the agent supports UDP tunnelling. Advertised while <see cref="UdpTunnel"/> is on and this is true (the default);
    /// false keeps the bit clear all the same. With <see cref="UdpTunnel"/> off the bit is never set, since the agent
    /// would not tunnel in UDP.
    /// </summary>
    public bool AdvertiseUdpTunnelling { get; init; } = true;

    public static readonly Ipv4Address AllSystems = new(224, 0, 0, 1);

    /// <summary>Null when the options are usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (!IsUnicast(Address)) return $"agent address {Address} is not a unicast address";
        if (!IsUnicast(CareOfAddress)) return $"care-of address {CareOfAddress} is not a unicast address";
        if (PrefixLength is < 1 or > 32) return $"prefix length must be 1..32, not {PrefixLength}";
        if (MaxLifetime == 0) return "maximum lifetime must be at least 1 s";
        if (MobileIpEncapsulation.CheckOffer(Encapsulations) is string offer) return offer;
        // RFC 5944 sec 2.1.1: an advertisement offers foreign or home agent service, or it is no agent's advertisement.
        if (!ForeignAgentService && !AlsoHomeAgent) return "an agent advertisement must offer foreign agent service (F) or home agent service (H), RFC 5944 sec 2.1.1";
        if (VisitorCapacity < 1) return "visitor capacity must be at least 1";
        if (PendingTimeout <= TimeSpan.Zero) return "pending timeout must be positive";
        if (AdvertisementInterval < MinAdvertisementInterval || AdvertisementInterval > MaxAdvertisementInterval)
            return $"advertisement interval {AdvertisementInterval.TotalMilliseconds} ms is not from {MinAdvertisementInterval.TotalMilliseconds} to {MaxAdvertisementInterval.TotalMilliseconds} ms (RFC 5944 sec 2.3.1, RFC 1256 sec 4.1)";
        if (AdvertisementLifetime < AdvertisementInterval.TotalSeconds || AdvertisementLifetime > MaxAdvertisementLifetime)
            return $"advertisement lifetime {AdvertisementLifetime} s is not from the interval ({AdvertisementInterval.TotalSeconds} s) to {MaxAdvertisementLifetime} s (RFC 1256 sec 4.1)";
        return null;
    }

    private static bool IsUnicast(Ipv4Address a) => !a.IsUnspecified && !a.IsMulticast && !a.IsBroadcast;
}
