using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using NetMobility.Mobility.Announce;

namespace NetMobility.Mobility.Home;

/// <summary>
/// A home agent running on a <see cref="Node"/> (RFC 5944 sec 3.8 and 4, RFC 3024 sec 4.3): answers registrations
/// on UDP port 434, keeps the bindings, answers ARP for every home address bound away from home and announces it
/// with gratuitous ARP on the home link (RFC 5944 sec 4.6), takes the packets for those addresses and tunnels each
/// to the care-of address of every binding (IP in IP, GRE or minimal encapsulation as the registration asked),
/// and lets reverse-tunnelled packets into the home network only when their inner source is bound to the care-of
/// address they came from (RFC 3024 sec 6.1). While a node is being moved it holds that node's packets and sends
/// them on, in order, once the new binding is in. Runs on the node's event loop.
/// </summary>
public sealed partial class HomeAgent : IPeerTunnelOwner, IDisposable
{
    private readonly Node _node;
    private readonly NetInterface _homeLink;
    private readonly HomeAgentOptions _options;
    private readonly HomeAgentRegistrar _registrar;
    private readonly PeerTunnels _tunnels;
    private readonly DecapsulatedPort _decapsulated;
    private readonly TimeProvider _time;
    private readonly DeadlineTimer _deadline;
    private readonly FrameTransmitter _transmit;
    private readonly byte[] _reply = new byte[HomeAgentRegistrar.MaxReplyLength];
    private readonly byte[] _scratch = new byte[ushort.MaxValue];
    private readonly List<MobilityBinding> _expired = [];
    private readonly List<PeerTunnelUse> _wanted = [];
    private readonly TunnelTable _tunnelTable;
    private readonly Dictionary<uint, Announcement> _announcements = [];
    private readonly Dictionary<uint, MacAddress> _nodeMacs = [];
    private readonly HashSet<uint> _proxied = [];

    public HomeAgent(Node node, NetInterface homeLink, NodeTunnels tunnels, HomeAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        if (homeLink.Node != node || homeLink.Link is null) throw new ArgumentException("the home link must be an Ethernet interface of the node", nameof(homeLink));
        if (!node.IsLocalAddress(options.Address)) throw new ArgumentException($"{options.Address} is not an address of {node.Name}", nameof(options));
        _node = node;
        _homeLink = homeLink;
        _options = options;
        _time = tunnels.Time;
        Bindings = new BindingTable(options.BindingCapacity, options.MaxSimultaneousBindings);
        _registrar = new HomeAgentRegistrar(options, MobileNodes, ForeignAgents, Bindings, _time, homeLink.Mtu);
        _tunnels = new PeerTunnels(tunnels.Table, _time, options.Address, homeLink.Mtu, this);
        _tunnelTable = tunnels.Table;
        _decapsulated = new DecapsulatedPort(node, $"{node.Name}-reverse", tunnels.InboundQueueCapacity);
        _transmit = homeLink.Link.Send;
        _deadline = new DeadlineTimer(_time, OnTimer);
        node.SetUdpListener(RegistrationAddressing.Port, OnRegistration);
        node.AddHook(OnPacket);
    }

    public HomeAgentOptions Options => _options;
    public Node Node => _node;

    /// <summary>Mobile-home security associations by home address: the nodes served.</summary>
    public SecurityAssociationTable MobileNodes { get; } = new();

    /// <summary>Foreign-home security associations by foreign agent address.</summary>
    public SecurityAssociationTable ForeignAgents { get; } = new();

    public BindingTable Bindings { get; }
    public HomeAgentCounters Counters { get; } = new();

    /// <summary>Every request answered (accepted or denied), on the loop, after the bindings changed.</summary>
    public event Action<RegistrationDecided>? RegistrationDecided;

    /// <summary>A binding that ran out without being renewed, on the loop.</summary>
    public event Action<MobilityBinding>? BindingExpired;

    /// <summary>A tunnel to a care-of address opened or closed, on the loop.</summary>
    public event Action<PeerTunnelChanged>? TunnelChanged
    {
        add => _tunnels.Changed += value;
        remove => _tunnels.Changed -= value;
    }

    /// <summary>The tunnels to care-of addresses held now.</summary>
    public IEnumerable<PeerTunnelInfo> PeerTunnels => _tunnels.List();

    /// <summary>Reverse-tunnelled packets that may wait for the node at once (the node's tunnel queue capacity when the agent was made); more are counted in <see cref="HomeAgentCounters.ReverseQueueFull"/>.</summary>
    public int ReverseQueueCapacity => _decapsulated.QueueCapacity;

    /// <summary>Home addresses the agent answers ARP for now.</summary>
    public bool IsProxying(Ipv4Address homeAddress) => _proxied.Contains(homeAddress.Value);

    /// <summary>
    /// The hardware address of a node on the home link, announced for it when it comes back (RFC 5944 sec 4.6). The
    /// agent also takes it from its ARP cache when the node leaves.
    /// </summary>
    public void SetNodeLinkAddress(Ipv4Address homeAddress, MacAddress mac) => _nodeMacs[homeAddress.Value] = mac;

    /// <summary>The tunnel the agent uses to <paramref name="careOfAddress"/> with <paramref name="encapsulation"/>, while a binding uses it.</summary>
    public bool TryGetTunnel(Ipv4Address careOfAddress, TunnelKind encapsulation, out ITunnelEndpoint tunnel) =>
        _tunnels.TryGet(careOfAddress, encapsulation, out tunnel);

    private void OnRegistration(NetInterface ingress, Ipv4Packet packet, UdpDatagram datagram)
    {
        // RFC 3519 sec 3.3: tunnel data shares port 434 with registrations; it goes to the UDP tunnel it came through.
        if (!datagram.Payload.IsEmpty && datagram.Payload[0] == (byte)MobileIpMessageType.TunnelData)
        {
            _tunnelTable.Receive(packet);
            return;
        }
        Counters.RequestsReceived++;
        var from = new RegistrationAddressing(packet.Source, datagram.SourcePort, packet.Destination, datagram.DestinationPort, packet.TimeToLive);
        if (!_registrar.TryProcess(datagram.Payload, from, _reply, out var decision))
        {
            Counters.RequestsDiscarded++;
            return;
        }
        bool accepted = decision.Code.IsAccepted();
        if (accepted) Counters.Accepted++;
        else Counters.Denied++;
        bool changed = accepted && decision.Change != BindingChange.None;
        if (changed) Apply(decision.Binding.HomeAddress);
        RegistrationDecided?.Invoke(new RegistrationDecided(decision.Binding.HomeAddress, decision.Binding.CareOfAddress, decision.Code, decision.Change,
            decision.Binding.Lifetime));
        // RFC 5944 sec 3.8.3.1: from port 434 to the request's source address and port.
        _node.SendUdp(_options.Address, decision.ReplyTo.Destination, RegistrationAddressing.Port, decision.ReplyTo.DestinationPort,
            _reply.AsSpan(0, decision.ReplyLength));
        // Packets held for the move follow the reply down the same path, so the foreign agent knows the visitor when they come.
        if (changed && MayRelease(decision.Binding.HomeAddress))
            ReleaseHeld(decision.Binding.HomeAddress, intoTunnels: Bindings.IsAway(decision.Binding.HomeAddress));
    }

    /// <summary>Brings tunnels and proxy ARP in line with what a registration changed for <paramref name="home"/>.</summary>
    private void Apply(Ipv4Address home)
    {
        UpdateTunnels(home);
        // RFC 5944 sec 4.6: answer ARP for the node and tell the home link so, while it is away.
        if (Bindings.IsAway(home)) StartProxy(home);
        else StopProxy(home);
        Reschedule();
    }

    /// <summary>Takes a tunnel for each binding of <paramref name="home"/> and gives back those no binding uses any more.</summary>
    private void UpdateTunnels(Ipv4Address home)
    {
        _wanted.Clear();
        foreach (var binding in Bindings.Get(home))
        {
            var use = new PeerTunnelUse(binding.TunnelPeer, binding.Encapsulation, binding.UdpPort, binding.UdpCarries);
            if (!_wanted.Contains(use)) _wanted.Add(use);
        }
        _tunnels.Use(home, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_wanted));
    }

    private void StartProxy(Ipv4Address home)
    {
        if (!_proxied.Add(home.Value)) return;
        if (!_nodeMacs.ContainsKey(home.Value) && _node.Arp.TryLookup(_homeLink, home, out var mac, out _)) _nodeMacs[home.Value] = mac;
        _node.Arp.AddProxy(_homeLink, home);
        Announce(home, _homeLink.Mac);
    }

    /// <summary>RFC 5944 sec 4.6: the node is home again; stop answering for it and announce its own hardware address.</summary>
    private void StopProxy(Ipv4Address home)
    {
        if (!_proxied.Remove(home.Value)) return;
        _node.Arp.RemoveProxy(_homeLink, home);
        if (_nodeMacs.TryGetValue(home.Value, out var mac)) Announce(home, mac);
        else if (_announcements.Remove(home.Value, out var running)) running.Dispose();
    }

    /// <summary>Gratuitous ARP for <paramref name="home"/> at <paramref name="mac"/>, a few times (RFC 5944 sec 4.6), from this agent's own hardware address.</summary>
    private void Announce(Ipv4Address home, MacAddress mac)
    {
        if (_announcements.Remove(home.Value, out var running)) running.Dispose();
        var schedule = new AnnounceSchedule
        {
            Rounds = _options.GratuitousArpCount,
            Initial = _options.GratuitousArpInterval,
            Step = TimeSpan.Zero,
            Max = _options.GratuitousArpInterval,
        };
        var announcement = new Announcement(_transmit, _time, mac, home, AnnounceForms.ArpRequest | AnnounceForms.ArpReply, schedule, _homeLink.Mac);
        _announcements[home.Value] = announcement;
        announcement.Start();
    }

    private void OnTimer()
    {
        var now = _time.GetUtcNow();
        _expired.Clear();
        if (Bindings.ExpireDue(now, _expired) > 0)
        {
            foreach (var binding in _expired)
            {
                Counters.Expired++;
                BindingExpired?.Invoke(binding);
                UpdateTunnels(binding.HomeAddress);
                if (!Bindings.IsAway(binding.HomeAddress) && !IsHolding(binding.HomeAddress)) StopProxy(binding.HomeAddress);
            }
        }
        ExpireHolds(now);
        Reschedule();
    }

    /// <summary>Arms the timer for the earliest binding expiry or handover deadline.</summary>
    private void Reschedule()
    {
        var next = Bindings.NextExpiry;
        var hold = NextHoldDeadline;
        if (hold is { } h && (next is null || h < next)) next = h;
        _deadline.Arm(next);
    }

    void IPeerTunnelOwner.Transmit(ReadOnlySpan<byte> outerPacket) => _node.SendIp(outerPacket);

    void IPeerTunnelOwner.ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => InnerSenderReport.SendTooBig(_node, innerPacket, mtu);

    void IPeerTunnelOwner.ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => InnerSenderReport.Send(_node, innerPacket, code);

    public void Dispose()
    {
        _node.RemoveHook(OnPacket);
        _node.SetUdpListener(RegistrationAddressing.Port, null);
        _deadline.Dispose();
        foreach (var announcement in _announcements.Values) announcement.Dispose();
        _announcements.Clear();
        foreach (var hold in _holds.Values) hold.Buffer.Dispose();
        _holds.Clear();
        _tunnels.Dispose();
    }
}
