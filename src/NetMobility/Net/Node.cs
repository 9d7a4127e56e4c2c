using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>Hands a packet addressed to this node to the code that speaks its protocol; valid only during the call.</summary>
public delegate void IpPacketHandler(NetInterface ingress, Ipv4Packet packet);

/// <summary>
/// Sees every well-formed packet that arrives, after the ingress filter and before local delivery or
/// forwarding; returns true to take it (the node then does nothing more with it). A home agent takes the
/// packets for its mobile nodes away from home this way.
/// </summary>
public delegate bool PacketHook(NetInterface ingress, Ipv4Packet packet);

/// <summary>
/// Sees every well-formed Ethernet frame that arrives on an interface, before the node looks at its destination
/// address or its payload; returns true to take it. A foreign agent, which owns its visitors' link the way a
/// hypervisor owns a VM's port, sees their frames this way, parsed once by the node.
/// </summary>
public delegate bool FrameHook(NetInterface ingress, EthernetFrame frame);

/// <summary>
/// A small IPv4 host or router: interfaces on Ethernet or datagram links, an ARP cache and resolver,
/// static routes with longest-prefix match, forwarding as RFC 1812 asks (TTL, ICMP errors, fragmentation,
/// optional ingress filtering), local delivery to protocol handlers and UDP listeners, and hooks that
/// see packets first. Everything runs on the node's <see cref="EventLoop"/>; no call is re-entered by
/// the frames it sends, because links deliver later.
/// </summary>
public sealed partial class Node
{
    /// <summary>Bytes kept free in front of a packet being sent, so its Ethernet header is written in place.</summary>
    public const int Headroom = EthernetHeader.UntaggedLength;

    private readonly List<NetInterface> _interfaces = [];
    private readonly List<PacketHook> _hooks = [];
    private readonly List<FrameHook> _frameHooks = [];
    private readonly IpPacketHandler?[] _protocols = new IpPacketHandler?[256];

    public Node(EventLoop loop, string name, NodeOptions? options = null)
    {
        options ??= new NodeOptions();
        options.Validate();
        Loop = loop;
        Name = name;
        Options = options;
        Forwarding = options.Forwarding;
        Time = options.Clock ?? loop.Time;
        Arp = new ArpCache(this, options);
        _icmpLimiter = new RateLimiter(options.IcmpErrorsPerSecond, options.IcmpErrorBurst, Time.GetUtcNow().UtcTicks);
    }

    /// <summary>The node's clock: <see cref="NodeOptions.Clock"/>, or the loop's.</summary>
    public TimeProvider Time { get; }

    /// <summary>A timer on the node's clock whose callback is posted to its loop.</summary>
    internal LoopTimer CreateTimer(Action<object?> callback, object? state) =>
        ReferenceEquals(Time, Loop.Time) ? Loop.CreateTimer(callback, state) : Loop.CreateTimer(callback, state, Time);

    public string Name { get; }
    public EventLoop Loop { get; }
    public NodeOptions Options { get; }

    /// <summary>True for a router: packets for other nodes are forwarded, not dropped.</summary>
    public bool Forwarding { get; set; }

    public IReadOnlyList<NetInterface> Interfaces => _interfaces;
    public RouteTable Routes { get; } = new();
    public ArpCache Arp { get; }
    public NodeCounters Counters { get; } = new();

    /// <summary>
    /// Attaches an Ethernet link with an address on a network of <paramref name="prefixLength"/> bits; the
    /// network becomes an on-link route. An unspecified address attaches the link without one.
    /// The node takes the link's <see cref="IFrameLink.Receiver"/>.
    /// </summary>
    public NetInterface AddInterface(IFrameLink link, Ipv4Address address, int prefixLength)
    {
        var iface = new NetInterface(this, _interfaces.Count, link, null, address, prefixLength);
        _interfaces.Add(iface);
        link.Receiver = frame => OnFrame(iface, frame);
        AddConnectedRoute(iface);
        return iface;
    }

    /// <summary>Attaches a datagram link (a tunnel); the node takes its <see cref="IPacketLink.Receiver"/>.</summary>
    public NetInterface AddInterface(IPacketLink link, Ipv4Address address, int prefixLength)
    {
        var iface = new NetInterface(this, _interfaces.Count, null, link, address, prefixLength);
        _interfaces.Add(iface);
        link.Receiver = packet => ReceiveIp(iface, packet, linkBroadcast: false);
        AddConnectedRoute(iface);
        return iface;
    }

    /// <summary>A route to <paramref name="destination"/> via <paramref name="gateway"/>, out of the interface whose network holds the gateway.</summary>
    public Route AddRoute(Ipv4Prefix destination, Ipv4Address gateway)
    {
        var onLink = Routes.Lookup(gateway);
        if (onLink is null || !onLink.IsOnLink)
            throw new InvalidOperationException($"{Name}: gateway {gateway} is not on a network of any interface");
        return AddRoute(destination, onLink.Interface, gateway);
    }

    /// <summary>A route out of <paramref name="iface"/>, to <paramref name="gateway"/> or, when it is unspecified, on-link.</summary>
    public Route AddRoute(Ipv4Prefix destination, NetInterface iface, Ipv4Address gateway = default)
    {
        if (iface.Node != this) throw new ArgumentException($"{iface.Name} is not an interface of {Name}", nameof(iface));
        var route = new Route(destination, iface, gateway);
        Routes.Add(route);
        return route;
    }

    public Route SetDefaultRoute(Ipv4Address gateway) => AddRoute(Ipv4Prefix.Default, gateway);

    /// <summary>True when <paramref name="address"/> is the address of one of this node's interfaces.</summary>
    public bool IsLocalAddress(Ipv4Address address)
    {
        foreach (var iface in _interfaces)
            if (iface.Address == address && !address.IsUnspecified) return true;
        return false;
    }

    /// <summary>Registers the handler for packets of <paramref name="protocol"/> addressed to this node (null removes it).</summary>
    public void SetProtocolHandler(IpProtocol protocol, IpPacketHandler? handler) => _protocols[(byte)protocol] = handler;

    public void AddHook(PacketHook hook) => _hooks.Add(hook);
    public bool RemoveHook(PacketHook hook) => _hooks.Remove(hook);

    public void AddFrameHook(FrameHook hook) => _frameHooks.Add(hook);
    public bool RemoveFrameHook(FrameHook hook) => _frameHooks.Remove(hook);

    private void AddConnectedRoute(NetInterface iface)
    {
        if (!iface.Address.IsUnspecified) Routes.Add(new Route(iface.Prefix, iface, Ipv4Address.Any));
    }

    public override string ToString() => $"{Name} ({(Forwarding ? "router" : "host")}, {_interfaces.Count} interfaces)";
}
