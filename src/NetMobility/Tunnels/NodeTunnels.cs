using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The tunnels of one <see cref="Node"/>: takes the node's GRE (47), IP-in-IP (4) and minimal encapsulation (55)
/// traffic, hands each packet to its tunnel through a <see cref="TunnelTable"/>, and creates tunnel interfaces
/// (Linux's <c>ip tunnel add</c>) and gretap links. Every endpoint runs its timers on the node's loop.
/// </summary>
public sealed class NodeTunnels : IDisposable
{
    private readonly Node _node;
    private readonly List<IDisposable> _owned = [];

    public NodeTunnels(Node node)
    {
        _node = node;
        Time = new LoopTimeProvider(node.Loop);
        IpPacketHandler receive = (_, packet) => Table.Receive(packet); // parsed and verified by the node: not again
        foreach (var protocol in TunnelKind.All.Where(k => k.OwnsOuterProtocol).Select(k => k.OuterProtocol).Distinct()) node.SetProtocolHandler(protocol, receive);
        node.AddHook(TakeTunnelError);
    }

    /// <summary>
    /// An ICMP error for this node about an outer packet one of its tunnels sent goes to that tunnel (RFC 2003 sec 4),
    /// before the node's own ICMP handling.
    /// </summary>
    private bool TakeTunnelError(NetInterface ingress, Ipv4Packet packet) =>
        packet.Protocol == IpProtocol.Icmp && _node.IsLocalAddress(packet.Destination) && Table.ReceiveError(packet);

    public TunnelTable Table { get; } = new();

    /// <summary>
    /// Decapsulated packets (or frames) each tunnel interface and gretap link created from now on lets wait for
    /// the node at once; more are dropped and counted. The default, 256, suits an in-memory topology; a node on
    /// a real-time loop fed by a kernel TCP window larger than that wants more.
    /// </summary>
    public int InboundQueueCapacity
    {
        get => _queueCapacity;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _queueCapacity = value;
        }
    }

    private int _queueCapacity = TunnelInterface.DefaultQueueCapacity;

    /// <summary>The node's clock, with timers that run on its loop.</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// A tunnel of <paramref name="kind"/> carrying IPv4 as an interface with <paramref name="address"/>/<paramref name="prefixLength"/>
    /// (unspecified: none). A kind that carries Ethernet is a link instead: <see cref="AddGretap"/>.
    /// </summary>
    public TunnelInterface Add(string name, TunnelKind kind, TunnelOptions options, Ipv4Address address, int prefixLength)
    {
        if (kind.CarriesEthernet) throw new ArgumentException($"a {kind} tunnel is an Ethernet link: use AddGretap", nameof(kind));
        return AddInterface(name, host => kind.CreateEndpoint(options, Time, host), address, prefixLength);
    }

    /// <summary>A GRE tunnel carrying IPv4 as an interface with <paramref name="address"/>/<paramref name="prefixLength"/> (unspecified: none).</summary>
    public TunnelInterface AddGre(string name, GreTunnelOptions options, Ipv4Address address, int prefixLength) =>
        Add(name, options.Mode == GreMode.Ipv4 ? TunnelKind.Gre : TunnelKind.Gretap, options, address, prefixLength);

    public TunnelInterface AddIpInIp(string name, IpInIpTunnelOptions options, Ipv4Address address, int prefixLength) =>
        Add(name, TunnelKind.IpInIp, options, address, prefixLength);

    public TunnelInterface AddMinimalEncapsulation(string name, MinimalEncapsulationOptions options, Ipv4Address address, int prefixLength) =>
        Add(name, TunnelKind.Minimal, options, address, prefixLength);

    /// <summary>
    /// A gretap tunnel as an Ethernet link with hardware address <paramref name="mac"/>, not yet attached: add it
    /// to a node with <see cref="Node.AddInterface(IFrameLink, Ipv4Address, int)"/> or to a segment.
    /// </summary>
    public GretapLink AddGretap(string name, GreTunnelOptions options, MacAddress mac)
    {
        var link = new GretapLink(_node, name, mac, options, _queueCapacity);
        Table.Add(link.Tunnel);
        _owned.Add(link);
        return link;
    }

    /// <summary>
    /// Registers an endpoint whose host the caller provides, with no interface of its own: a home agent keeps one
    /// such tunnel per binding to a care-of address, sends into it from a hook and hands what comes out to the
    /// node its own way. Outer packets for it are matched and handed over like any other tunnel's.
    /// </summary>
    public void AddEndpoint(ITunnelEndpoint endpoint) => Table.Add(endpoint);

    /// <summary>Unregisters an endpoint added with <see cref="AddEndpoint"/>; the caller disposes it. False when it was not there.</summary>
    public bool RemoveEndpoint(ITunnelEndpoint endpoint) => Table.Remove(endpoint);

    private TunnelInterface AddInterface(string name, Func<ITunnelHost, ITunnelEndpoint> create, Ipv4Address address, int prefixLength)
    {
        var tunnel = new TunnelInterface(_node, name, create, _queueCapacity);
        Table.Add(tunnel.Endpoint);
        tunnel.Interface = _node.AddInterface(tunnel, address, prefixLength);
        _owned.Add(tunnel);
        return tunnel;
    }

    public void Dispose()
    {
        _node.RemoveHook(TakeTunnelError);
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
    }
}
