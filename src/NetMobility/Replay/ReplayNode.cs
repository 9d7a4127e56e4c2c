using NetMobility.Capture;
using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Replay;

/// <summary>
/// Makes the link of one entry of <c>node.interfaces</c> when the node runs on real links (the agent daemon): the
/// entry's extra fields (its <c>link</c> object) say which device. Throw <see cref="ConfigException"/> for bad settings.
/// </summary>
public delegate IFrameLink InterfaceLinkFactory(ConfigElement item, string name, MacAddress mac, int mtu);

/// <summary>
/// A node built from the <c>node</c> object of a configuration: Ethernet interfaces (in a replay, capture interface
/// i feeds <c>interfaces[i]</c>; in the agent daemon each entry names its device), tunnels, routes, static and proxy
/// ARP entries, and roles. The replay and the daemon read one schema with the same checks.
/// </summary>
public sealed class ReplayNode : IReplayTarget
{
    private readonly List<IFrameLink> _ports = [];
    private readonly List<ReplayInterface> _interfaces = [];
    private readonly List<IDisposable> _roles = [];

    /// <summary>The most decapsulated packets one tunnel may hold for the node: 65536 full-size packets is some 100 MB.</summary>
    public const int MaxTunnelQueue = 65536;

    private ReplayNode(Node node)
    {
        Node = node;
        Tunnels = new NodeTunnels(node);
    }

    public Node Node { get; }
    public NodeTunnels Tunnels { get; }
    public IReadOnlyList<ReplayInterface> Interfaces => _interfaces;
    public IReplayOutput? Output { get; set; }

    /// <summary>
    /// Builds the node on <paramref name="loop"/>, its <c>roles</c> from <paramref name="roles"/>; every setting it
    /// cannot use is a <see cref="ConfigException"/> naming the field.
    /// </summary>
    public static ReplayNode Build(ConfigElement config, EventLoop loop, ReplayRoles roles) => Build(config, loop, roles, null, []);

    /// <summary>
    /// Builds the node on <paramref name="loop"/> with each interface's link made by <paramref name="links"/> (null: replay
    /// ports fed by <see cref="Inject"/>); <paramref name="interfaceFields"/> are the fields an interface entry may carry
    /// besides the common ones, for <paramref name="links"/> to read.
    /// </summary>
    public static ReplayNode Build(ConfigElement config, EventLoop loop, ReplayRoles roles, InterfaceLinkFactory? links, string[] interfaceFields)
    {
        config.AllowOnly("name", "forwarding", "defaultTtl", "tunnelQueueCapacity", "interfaces", "tunnels", "routes", "arp", "roles");
        var options = new NodeOptions
        {
            Forwarding = !config.TryGet("forwarding", out var f) || f.AsBool(),
            DefaultTtl = config.TryGet("defaultTtl", out var ttl) ? (byte)ttl.AsInteger(1, 255) : (byte)64,
        };
        var replay = new ReplayNode(new Node(loop, config.TryGet("name", out var n) ? n.AsString() : "node", options));
        try
        {
            // Before any tunnel or role exists: every tunnel interface, gretap link and agent's reverse-tunnel port takes it.
            if (config.TryGet("tunnelQueueCapacity", out var queue)) replay.Tunnels.InboundQueueCapacity = (int)queue.AsInteger(1, MaxTunnelQueue);
            replay.Configure(config, roles, links, interfaceFields);
            return replay;
        }
        catch
        {
            replay.Dispose();
            throw;
        }
    }

    /// <summary>The links of the Ethernet interfaces, in configuration order.</summary>
    public IReadOnlyList<IFrameLink> Links => _ports;

    /// <summary>The roles the configuration gave the node (home agent, foreign agent ...), in order.</summary>
    public IReadOnlyList<IDisposable> Roles => _roles;

    private void Configure(ConfigElement config, ReplayRoles roles, InterfaceLinkFactory? links, string[] interfaceFields)
    {
        var byName = new Dictionary<string, NetInterface>(StringComparer.Ordinal);
        var owners = new NodeAddressOwners();
        var interfaces = config.Items("interfaces");
        if (interfaces.Count == 0) throw config.Error("needs at least one entry in \"interfaces\"");
        foreach (var item in interfaces)
        {
            item.AllowOnly(["name", "mac", "address", "mtu", "ingressFilter", "promiscuous", .. interfaceFields]);
            string name = item.TryGet("name", out var n) ? n.AsString() : $"eth{_ports.Count}";
            if (byName.ContainsKey(name)) throw item.Get("name").Error($"interface name '{name}' is used twice");
            var (address, prefixLength) = item.TryGet("address", out var a) ? a.AsPrefix() : (Ipv4Address.Any, 0);
            if (!address.IsUnspecified) owners.Address(a, address, prefixLength);
            int mtu = item.TryGet("mtu", out var m) ? (int)m.AsInteger(68, 65535) : 1500;
            var mac = item.Get("mac").AsMac();
            owners.Mac(item.Get("mac"), mac);
            var port = links is null ? new ReplayPort(this, _ports.Count, name, mac, mtu) : links(item, name, mac, mtu);
            _ports.Add(port);
            var iface = Node.AddInterface(port, address, prefixLength);
            iface.IngressFilter = item.TryGet("ingressFilter", out var filter) && filter.AsBool();
            iface.Promiscuous = item.TryGet("promiscuous", out var promiscuous) && promiscuous.AsBool();
            _interfaces.Add(new ReplayInterface(name, LinkType.Ethernet));
            byName[name] = iface;
        }
        foreach (var item in config.Items("tunnels"))
        {
            var tunnel = TunnelConfig.Read(item, asInterface: true);
            if (byName.ContainsKey(tunnel.Name)) throw item.Error($"interface name '{tunnel.Name}' is used twice");
            if (tunnel.Address is var (address, prefixLength)) owners.Address(item.Get("address"), address, prefixLength);
            if (tunnel.Mac is MacAddress mac) owners.Mac(item.Get("mac"), mac);
            byName[tunnel.Name] = AddTunnel(item, tunnel);
        }
        foreach (var item in config.Items("routes")) AddRoute(item, byName);
        var arpEntries = new Dictionary<(NetInterface, Ipv4Address), string>();
        foreach (var item in config.Items("arp")) AddArp(item, byName, arpEntries);
        var context = new ReplayNodeContext(Node, Tunnels, byName);
        foreach (var item in config.Items("roles")) _roles.Add(roles.Create(item, context));
    }

    private NetInterface AddTunnel(ConfigElement item, TunnelConfig tunnel)
    {
        var (address, prefixLength) = tunnel.Address ?? (Ipv4Address.Any, 0);
        try
        {
            return tunnel.Kind.CarriesEthernet
                ? Node.AddInterface(Tunnels.AddGretap(tunnel.Name, (GreTunnelOptions)tunnel.Options, tunnel.Mac!.Value), address, prefixLength)
                : Tunnels.Add(tunnel.Name, tunnel.Kind, tunnel.Options, address, prefixLength).Interface;
        }
        catch (InvalidOperationException ex)
        {
            // The tunnel table refuses a second tunnel with the same addresses and input key.
            throw item.Error(ex.Message);
        }
    }

    private void AddRoute(ConfigElement item, Dictionary<string, NetInterface> byName)
    {
        item.AllowOnly("prefix", "via", "interface");
        var prefixField = item.Get("prefix");
        string prefixText = prefixField.AsString();
        if (!Ipv4Prefix.TryParse(prefixText, out var prefix)) throw prefixField.Error($"'{prefixText}' is not a prefix like 10.1.0.0/24");
        AddressChecks.PrefixWithoutHostBits(prefixField, Ipv4Address.Parse(prefixText[..prefixText.IndexOf('/')]), prefix.Length);
        Ipv4Address via = item.TryGet("via", out var v) ? v.AsAddress() : Ipv4Address.Any;
        if (item.TryGet("interface", out var i))
        {
            Node.AddRoute(prefix, Interface(i, byName), via);
            return;
        }
        if (via.IsUnspecified) throw item.Error("needs \"via\", \"interface\" or both");
        var onLink = Node.Routes.Lookup(via);
        if (onLink is null || !onLink.IsOnLink) throw v.Error($"gateway {via} is not on the network of any interface");
        AddressChecks.HostAddress(v, via, onLink.Interface.Prefix.Length);
        if (Node.IsLocalAddress(via)) throw v.Error($"gateway {via} is the node's own address");
        Node.AddRoute(prefix, onLink.Interface, via);
    }

    private void AddArp(ConfigElement item, Dictionary<string, NetInterface> byName, Dictionary<(NetInterface, Ipv4Address), string> entries)
    {
        item.AllowOnly("interface", "address", "mac", "proxy");
        var iface = Interface(item.Get("interface"), byName);
        var addressField = item.Get("address");
        var address = addressField.AsAddress();
        AddressChecks.HostAddress(addressField, address, iface.Address.IsUnspecified || !iface.Prefix.Contains(address) ? 32 : iface.Prefix.Length);
        if (Node.IsLocalAddress(address)) throw addressField.Error($"{address} is the node's own address");
        if (!entries.TryAdd((iface, address), item.Path))
            throw addressField.Error($"{address} on {iface.Name} already has an entry ({entries[(iface, address)]}): one entry per address and interface");
        bool proxy = item.TryGet("proxy", out var p) && p.AsBool();
        if (proxy)
        {
            if (item.Has("mac")) throw item.Get("mac").Error("a proxy entry answers with the interface's own address: leave \"mac\" out");
            Node.Arp.AddProxy(iface, address);
            return;
        }
        Node.Arp.AddStatic(iface, address, item.Get("mac").AsMac());
    }

    private static NetInterface Interface(ConfigElement field, Dictionary<string, NetInterface> byName)
    {
        string name = field.AsString();
        return byName.TryGetValue(name, out var iface)
            ? iface
            : throw field.Error($"no interface or tunnel is named '{name}' (there are: {string.Join(", ", byName.Keys)})");
    }

    public string? Inject(int interfaceIndex, LinkType linkType, ReadOnlySpan<byte> frame)
    {
        if (linkType != LinkType.Ethernet) return $"link type {(ushort)linkType} cannot feed node interface {_interfaces[interfaceIndex].Name}, which takes Ethernet frames";
        if (_ports[interfaceIndex] is not ReplayPort port) return $"interface {_interfaces[interfaceIndex].Name} is not fed by a capture";
        port.Inject(frame);
        return null;
    }

    public void Dispose()
    {
        foreach (var role in _roles) role.Dispose();
        _roles.Clear();
        Tunnels.Dispose();
    }
}
