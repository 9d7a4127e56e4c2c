using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;

namespace NetMobility.Mobility.Foreign;

/// <summary>
/// A request a foreign agent relayed and is waiting on (RFC 5944 sec 3.7.1): what it needs to match the home
/// agent's reply and to answer the visitor, and what a UDP tunnel would carry for it (the Encapsulation of the UDP
/// Tunnel Request relayed, RFC 3519 sec 3.1.4; 0 when none was).
/// </summary>
public readonly record struct PendingRegistration(
    ulong Identification,
    ushort Lifetime,
    RegistrationFlags Flags,
    Ipv4Address HomeAgent,
    Ipv4Address RequestDestination,
    ushort SourcePort,
    MacAddress LinkAddress,
    bool EncapsulatingDelivery,
    long DeadlineTicks,
    IpProtocol UdpCarries = 0);

/// <summary>
/// One entry of a foreign agent's visitor list (RFC 5944 sec 3.7.1): the visiting node's home address and
/// link-layer address, its home agent, the registration in force (when accepted) and the one being relayed
/// (when pending). A renewal is pending while the earlier registration still holds.
/// </summary>
public sealed class Visitor
{
    internal Visitor(Ipv4Address homeAddress) => HomeAddress = homeAddress;

    public Ipv4Address HomeAddress { get; }

    /// <summary>True while a registration accepted by the home agent is in force: traffic is delivered and reverse tunnelled.</summary>
    public bool IsAccepted { get; internal set; }

    /// <summary>The node's link-layer address, where its packets are delivered.</summary>
    public MacAddress LinkAddress { get; internal set; }

    public Ipv4Address HomeAgent { get; internal set; }

    /// <summary>The agent address the node sends its requests to; replies to it come from there.</summary>
    public Ipv4Address AgentAddress { get; internal set; }

    public ushort SourcePort { get; internal set; }

    /// <summary>Flags of the accepted registration: T asks for reverse tunnelling (RFC 3024).</summary>
    public RegistrationFlags Flags { get; internal set; }

    public bool ReverseTunnel => (Flags & RegistrationFlags.ReverseTunnel) != 0;

    /// <summary>
    /// The UDP keepalive interval, seconds, when the home agent answered with a UDP Tunnel Reply accepting UDP tunnelling
    /// (RFC 3519 sec 3.2): traffic then goes both ways in the UDP tunnel. 0 otherwise.
    /// </summary>
    public ushort UdpKeepaliveInterval { get; internal set; }

    public bool UdpTunnel => UdpKeepaliveInterval != 0;

    /// <summary>What the UDP tunnel carries behind its tunnel data header, as the relayed request asked (RFC 3519 sec 3.1.4): IP in IP or GRE.</summary>
    public IpProtocol UdpCarries { get; internal set; }

    /// <summary>The tunnel this visitor's traffic takes: UDP when the home agent said so, else as its request's flags asked.</summary>
    public TunnelKind Encapsulation => UdpTunnel ? TunnelKind.Udp : MobileIpEncapsulation.Requested(Flags);

    /// <summary>RFC 3024 sec 5.2: the node sends its packets encapsulated to the agent.</summary>
    public bool EncapsulatingDelivery { get; internal set; }

    /// <summary>Lifetime granted, seconds.</summary>
    public ushort Lifetime { get; internal set; }

    /// <summary>UTC ticks when the accepted registration runs out; <see cref="MobilityBinding.Never"/> for an infinite one.</summary>
    public long ExpiresTicks { get; internal set; }

    /// <summary>The request relayed and not answered yet.</summary>
    public PendingRegistration? Pending { get; internal set; }

    internal void Accept(in PendingRegistration pending, ushort lifetime, DateTimeOffset now)
    {
        IsAccepted = true;
        LinkAddress = pending.LinkAddress;
        HomeAgent = pending.HomeAgent;
        AgentAddress = pending.RequestDestination;
        SourcePort = pending.SourcePort;
        Flags = pending.Flags;
        EncapsulatingDelivery = pending.EncapsulatingDelivery;
        UdpCarries = pending.UdpCarries;
        Lifetime = lifetime;
        ExpiresTicks = MobilityBinding.ExpiryOf(lifetime, now);
        Pending = null;
    }

    public override string ToString() =>
        $"{HomeAddress} at {LinkAddress} via {HomeAgent} ({(IsAccepted ? "accepted" : "no registration")}{(Pending is null ? "" : ", pending")})";
}
