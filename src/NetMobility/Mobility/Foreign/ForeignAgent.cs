using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

namespace NetMobility.Mobility.Foreign;

/// <summary>
/// A foreign agent running on a <see cref="Node"/> (RFC 5944 sec 2.3, 3.7 and 4.2.2, RFC 3024 sec 4.2 and 5):
/// it advertises itself on the visitors' link and answers solicitations, relays visitors' registrations to their
/// home agents, decapsulates what the home agents tunnel to its care-of address and delivers it to each visitor's
/// hardware address, and sends visitors' packets back through the reverse tunnel (direct delivery, or
/// encapsulating delivery when the visitor asked for it). It owns the visitors' link the way a hypervisor owns a
/// VM's port: it sees every frame there, so a VM that keeps its home gateway's hardware address still reaches it,
/// and it answers visitors' ARP requests for addresses beyond the link with its own. Runs on the node's event loop.
/// </summary>
public sealed partial class ForeignAgent : IPeerTunnelOwner, IRegistrationSender, IAdvertisementSender, IDisposable
{
    /// <summary>RFC 5944 sec 3.6.1.1: the "All Mobility Agents" multicast group a request may go to.</summary>
    public static readonly Ipv4Address AllMobilityAgents = new(224, 0, 0, 11);

    private readonly Node _node;
    private readonly NetInterface _visitorLink;
    private readonly IFrameLink _link;
    private readonly ForeignAgentOptions _options;
    private readonly PeerTunnels _tunnels;
    private readonly TimeProvider _time;
    private readonly DeadlineTimer _deadline;
    private readonly byte[] _frame;
    private readonly byte[] _scratch = new byte[ushort.MaxValue];
    private readonly List<Visitor> _ended = [];
    private readonly List<RelayOutcome> _outcomes = [];
    private ushort _identification;
    private readonly TunnelTable _tunnelTable;

    public ForeignAgent(Node node, NetInterface visitorLink, NodeTunnels tunnels, ForeignAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        if (visitorLink.Node != node || visitorLink.Link is null) throw new ArgumentException("the visitors' link must be an Ethernet interface of the node", nameof(visitorLink));
        if (!node.IsLocalAddress(options.Address) || !node.IsLocalAddress(options.CareOfAddress))
            throw new ArgumentException($"{options.Address} and {options.CareOfAddress} must be addresses of {node.Name}", nameof(options));
        _node = node;
        _visitorLink = visitorLink;
        _link = visitorLink.Link;
        _options = options;
        _time = tunnels.Time;
        _frame = new byte[EthernetHeader.UntaggedLength + ushort.MaxValue];
        Relay = new ForeignAgentRelay(options, MobileNodes, HomeAgents, this, _time);
        Advertiser = new AgentAdvertiser(options, this, () => Relay.Visitors.IsFull, _time);
        _tunnels = new PeerTunnels(tunnels.Table, _time, options.CareOfAddress, visitorLink.Mtu, this, options.RelayPort);
        _tunnelTable = tunnels.Table;
        _deadline = new DeadlineTimer(_time, OnTimer);

        // The agent sees the visitors' link first, every frame on it, and leaves the node what is not its own business.
        visitorLink.Promiscuous = true;
        node.AddFrameHook(OnVisitorFrame);
        node.SetUdpListener(RegistrationAddressing.Port, OnRegistration);
        node.AddHook(OnRelayError);
    }

    public ForeignAgentOptions Options => _options;

    /// <summary>The visitors' link: the interface whose frames the agent sees first.</summary>
    public NetInterface VisitorLink => _visitorLink;
    public Node Node => _node;
    public ForeignAgentRelay Relay { get; }
    public AgentAdvertiser Advertiser { get; }
    public VisitorList Visitors => Relay.Visitors;

    /// <summary>Mobile-foreign security associations by home address.</summary>
    public SecurityAssociationTable MobileNodes { get; } = new();

    /// <summary>Foreign-home security associations by home agent address.</summary>
    public SecurityAssociationTable HomeAgents { get; } = new();

    public ForeignAgentCounters Counters { get; } = new();

    /// <summary>Every registration message the agent acted on (relayed, denied, reply forwarded), on the loop.</summary>
    public event Action<RelayOutcome>? Relayed;

    /// <summary>A tunnel to a home agent opened or closed, on the loop.</summary>
    public event Action<PeerTunnelChanged>? TunnelChanged
    {
        add => _tunnels.Changed += value;
        remove => _tunnels.Changed -= value;
    }

    /// <summary>The tunnels to home agents held now.</summary>
    public IEnumerable<PeerTunnelInfo> PeerTunnels => _tunnels.List();

    /// <summary>Starts the unsolicited advertisements.</summary>
    public void Start() => Advertiser.Start();

    /// <summary>
    /// Takes new advertisement settings while running (interval, lifetime, destination, the R, F, H, B and U flags):
    /// the advertiser follows them, and B held on reaches the relay too, so that what is advertised is what is done.
    /// </summary>
    public void ChangeAdvertisement(ForeignAgentOptions options)
    {
        Advertiser.Change(options);
        Relay.ChangeBusy(options.Busy);
    }

    /// <summary>A registration reply from a home agent, to the care-of address (RFC 5944 sec 3.7.3).</summary>
    private void OnRegistration(NetInterface ingress, Ipv4Packet packet, UdpDatagram datagram)
    {
        var payload = datagram.Payload;
        // RFC 3519 sec 3.3: what a home agent tunnels in UDP comes to the relay port too.
        if (!payload.IsEmpty && payload[0] == (byte)MobileIpMessageType.TunnelData)
        {
            _tunnelTable.Receive(packet);
            return;
        }
        if (payload.IsEmpty || payload[0] != (byte)MobileIpMessageType.RegistrationReply) return;
        Counters.RepliesReceived++;
        var outcome = Relay.OnReply(payload, new RegistrationAddressing(packet.Source, datagram.SourcePort, packet.Destination, datagram.DestinationPort, packet.TimeToLive));
        if (outcome.Visitor is { } visitor) UpdateTunnel(visitor.HomeAddress);
        Reschedule();
        if (outcome.Action != RelayAction.Discarded) Relayed?.Invoke(outcome);
    }

    /// <summary>
    /// An ICMP error about a request this agent relayed (from its care-of address and relay port to a home agent's port
    /// 434): the visitor gets 80, 81, 82 or 88 at once instead of waiting for the timeout (RFC 5944 sec 3.7.1).
    /// </summary>
    private bool OnRelayError(NetInterface ingress, Ipv4Packet packet)
    {
        if (packet.Protocol != IpProtocol.Icmp || packet.Destination != _options.CareOfAddress || packet.IsFragment
            || !Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _)
            || !icmp.TryGetQuotedDatagram(out var quoted, out _)
            || quoted.Protocol != IpProtocol.Udp || quoted.Source != _options.CareOfAddress
            || !UdpHeader.TryParseQuoted(quoted.Payload, out var udp)
            || udp.SourcePort != _options.RelayPort || udp.DestinationPort != RegistrationAddressing.Port)
            return false;
        _outcomes.Clear();
        Relay.OnRelayError(icmp.Type, icmp.Code, quoted.Destination, quoted.Payload[UdpHeader.HeaderLength..], _outcomes);
        foreach (var outcome in _outcomes)
        {
            if (outcome.Visitor is { } visitor) UpdateTunnel(visitor.HomeAddress);
            Relayed?.Invoke(outcome);
        }
        Reschedule();
        return true;
    }

    /// <summary>
    /// Keeps one reference on the tunnel to the home agent of each visitor, in the encapsulation it registered (or,
    /// while its first request is pending, asked for): packets the home agent sends right after accepting may
    /// overtake its reply. IP in IP is taken in too whatever the visitor asked for: every agent MUST decapsulate it,
    /// and a G or M bit only says what the visitor would like, which the home agent is free to use or not (RFC 5944
    /// sec 4.1, 3.8.3).
    /// </summary>
    private void UpdateTunnel(Ipv4Address home)
    {
        Span<PeerTunnelUse> wanted = [default, default, default];
        int count = 0;
        Ipv4Address homeAgent;
        TunnelKind kind;
        IpProtocol udpCarries;
        if (Relay.Visitors.TryGet(home, out var visitor) && visitor.IsAccepted)
            (homeAgent, kind, udpCarries) = (visitor.HomeAgent, visitor.Encapsulation, visitor.UdpTunnel ? visitor.UdpCarries : 0);
        else if (visitor?.Pending is PendingRegistration pending)
            // Until the reply says, the home agent may answer in UDP (it saw a NAT) or not: both are ready.
            (homeAgent, kind, udpCarries) = (pending.HomeAgent, MobileIpEncapsulation.Requested(pending.Flags), pending.UdpCarries);
        else
        {
            _tunnels.Use(home, []);
            return;
        }
        if (kind == TunnelKind.Udp) wanted[count++] = new PeerTunnelUse(homeAgent, TunnelKind.Udp, Carries: udpCarries);
        else
        {
            wanted[count++] = new PeerTunnelUse(homeAgent, kind);
            if (udpCarries != 0) wanted[count++] = new PeerTunnelUse(homeAgent, TunnelKind.Udp, Carries: udpCarries);
        }
        if (kind != TunnelKind.IpInIp) wanted[count++] = new PeerTunnelUse(homeAgent, TunnelKind.IpInIp);
        // A renewal asking for another kind inside UDP (RFC 3519 sec 3.1.4): the home agent switches on accepting, and
        // what it sends next may overtake its reply, so that tunnel is ready too; the reply settles which one stays.
        if (visitor is { IsAccepted: true, Pending: PendingRegistration renewal } && renewal.HomeAgent == homeAgent
            && renewal.UdpCarries != 0 && renewal.UdpCarries != udpCarries)
            wanted[count++] = new PeerTunnelUse(homeAgent, TunnelKind.Udp, Carries: renewal.UdpCarries);
        _tunnels.Use(home, wanted[..count]);
        // RFC 3519 sec 4.9: the end behind the NAT keeps the mapping with keepalives, at the interval the home agent gave.
        if (visitor is { UdpTunnel: true } && _tunnels.TryGet(homeAgent, TunnelKind.Udp, out var tunnel, carries: udpCarries) && tunnel is UdpTunnel udpTunnel)
            udpTunnel.SetKeepaliveInterval(TimeSpan.FromSeconds(visitor.UdpKeepaliveInterval));
    }

    void IRegistrationSender.SendRegistration(in RegistrationAddressing addressing, ReadOnlySpan<byte> message)
    {
        if (addressing.LinkDestination is MacAddress visitorMac)
        {
            // To a visitor: its home address is not on this link, so the frame goes to its hardware address (RFC 5944 sec 3.7.3.2).
            int length = MobilityFrames.WriteUdp(_frame, visitorMac, _visitorLink.Mac, addressing, ++_identification, message);
            _link.Send(_frame.AsSpan(0, length));
            return;
        }
        _node.SendUdp(addressing.Source, addressing.Destination, addressing.SourcePort, addressing.DestinationPort, message, timeToLive: addressing.TimeToLive);
    }

    /// <summary>RFC 5944 sec 2.1: an advertisement never leaves the link, TTL 1.</summary>
    void IAdvertisementSender.SendAdvertisement(Ipv4Address destination, ReadOnlySpan<byte> icmpMessage) =>
        _node.SendIp(new Ipv4Header(_options.Address, destination, IpProtocol.Icmp, icmpMessage.Length, TimeToLive: 1), icmpMessage, _visitorLink);

    private void OnTimer()
    {
        _ended.Clear();
        Relay.ExpireDue(_time.GetUtcNow(), _ended);
        foreach (var visitor in _ended) UpdateTunnel(visitor.HomeAddress);
        Reschedule();
    }

    private void Reschedule() => _deadline.Arm(Relay.NextDeadline);

    void IPeerTunnelOwner.Deliver(Ipv4Address homeAgent, ushort port, ReadOnlySpan<byte> innerPacket) => DeliverToVisitor(homeAgent, innerPacket);

    void IPeerTunnelOwner.Transmit(ReadOnlySpan<byte> outerPacket) => _node.SendIp(outerPacket);

    void IPeerTunnelOwner.ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => Report(innerPacket, Icmpv4UnreachableCode.FragmentationNeeded, mtu);

    void IPeerTunnelOwner.ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => Report(innerPacket, code, 0);

    /// <summary>
    /// An ICMP error about a visitor's packet (too big for the reverse tunnel, or relayed from inside it) goes straight to
    /// the visitor at its hardware address, from the agent's address on its link: the agent is its router. Routed, it
    /// would leave from the care-of address toward the visitor's home and come back through the home agent's tunnel
    /// with the tunnel's exit point as source, which RFC 2003 sec 3.2 forbids the home agent to tunnel. Errors about
    /// anyone else's packets are routed as a node's are.
    /// </summary>
    private void Report(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code, int mtu)
    {
        if (!Ipv4Packet.TryCreateQuoted(innerPacket, out var offending, out _) || !Relay.Visitors.TryGetAccepted(offending.Source, out var visitor))
        {
            InnerSenderReport.Send(_node, innerPacket, code, mtu);
            return;
        }
        if (!Icmpv4Error.MaySendFor(offending)) return;
        Span<byte> datagram = stackalloc byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(datagram, _options.Address, offending, code, (ushort)Math.Min(mtu, ushort.MaxValue), ++_identification);
        int frame = MobilityFrames.WritePacket(_frame, visitor.LinkAddress, _visitorLink.Mac, datagram[..length]);
        _link.Send(_frame.AsSpan(0, frame));
    }

    public void Dispose()
    {
        Advertiser.Dispose();
        _deadline.Dispose();
        _node.RemoveFrameHook(OnVisitorFrame);
        _node.SetUdpListener(RegistrationAddressing.Port, null);
        _node.RemoveHook(OnRelayError);
        _tunnels.Dispose();
    }
}
