using System.Diagnostics.CodeAnalysis;
using NetMobility.Configuration;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// One kind of IPv4 tunnel, and the registry of them all: the name configurations use (iproute2's word), the
/// outer protocol, whether the tunnel carries Ethernet frames or IPv4 packets, the configuration fields it
/// takes, and how its endpoint is made. Everything that picks a kind (configuration, replay, a node's tunnels,
/// the mobility agents) asks here; a new kind is one more entry in <see cref="All"/>.
/// </summary>
public sealed class TunnelKind
{
    private static readonly string[] CommonFields = ["name", "type", "local", "remote", "address", "underlayMtu"];
    private static readonly string[] OuterHeaderFields = ["ttl", "tos", "pmtudisc", "oversize"];
    private static readonly string[] GreFields =
        ["key", "ikey", "okey", "seq", "iseq", "oseq", "csum", "icsum", "ocsum", "maxPerflowBuffer", "outOfOrderTimerMs"];

    private readonly Func<TunnelOptions, TimeProvider, ITunnelHost, ITunnelEndpoint> _create;
    private readonly Func<TunnelEnds, TunnelOptions> _defaults;
    private readonly Func<ConfigElement, TunnelEnds, TunnelOptions> _read;
    private readonly InputKeyReader? _inputKey;

    /// <summary>The key a received outer packet of a kind carries, which picks its tunnel among those between the same two addresses.</summary>
    private delegate bool InputKeyReader(Ipv4Packet outer, out uint key);

    private TunnelKind(
        int id, string name, IpProtocol outerProtocol, bool carriesEthernet, string[] fields,
        Func<TunnelEnds, TunnelOptions> defaults,
        Func<ConfigElement, TunnelEnds, TunnelOptions> read,
        Func<TunnelOptions, TimeProvider, ITunnelHost, ITunnelEndpoint> create,
        InputKeyReader? inputKey = null, bool ownsOuterProtocol = true)
    {
        _inputKey = inputKey;
        OwnsOuterProtocol = ownsOuterProtocol;
        Id = id;
        Name = name;
        OuterProtocol = outerProtocol;
        CarriesEthernet = carriesEthernet;
        Fields = fields;
        _defaults = defaults;
        _read = read;
        _create = create;
    }

    /// <summary>GRE carrying IPv4 (RFC 2784, RFC 2890 keys and sequence numbers).</summary>
    public static TunnelKind Gre { get; } = new(
        0, "gre", IpProtocol.Gre, false, [.. CommonFields, .. OuterHeaderFields, .. GreFields],
        ends => ends.Apply(new GreTunnelOptions { Local = ends.Local, Remote = ends.Remote }),
        (config, ends) => TunnelConfig.ReadGre(config, ends, GreMode.Ipv4),
        (options, time, host) => new GreTunnel(As<GreTunnelOptions>(options, "gre"), time, host),
        GreKey);

    /// <summary>GRE carrying Ethernet frames (Linux's gretap, protocol type 0x6558).</summary>
    public static TunnelKind Gretap { get; } = new(
        1, "gretap", IpProtocol.Gre, true, [.. CommonFields, .. OuterHeaderFields, .. GreFields, "mac"],
        ends => ends.Apply(new GreTunnelOptions { Local = ends.Local, Remote = ends.Remote, Mode = GreMode.Ethernet }),
        (config, ends) => TunnelConfig.ReadGre(config, ends, GreMode.Ethernet),
        (options, time, host) => new GreTunnel(As<GreTunnelOptions>(options, "gretap"), time, host),
        GreKey);

    /// <summary>IP in IP (RFC 2003).</summary>
    public static TunnelKind IpInIp { get; } = new(
        2, "ipip", IpProtocol.IpInIp, false, [.. CommonFields, .. OuterHeaderFields],
        ends => ends.Apply(new IpInIpTunnelOptions { Local = ends.Local, Remote = ends.Remote }),
        (config, ends) => TunnelConfig.ReadOuterHeader(config, ends.Apply(new IpInIpTunnelOptions { Local = ends.Local, Remote = ends.Remote })),
        (options, time, host) => new IpInIpTunnel(As<IpInIpTunnelOptions>(options, "ipip"), host, time));

    /// <summary>Minimal encapsulation (RFC 2004): the outer header is the inner one, rewritten.</summary>
    public static TunnelKind Minimal { get; } = new(
        3, "minimal", IpProtocol.MinimalEncapsulation, false, CommonFields,
        ends => new MinimalEncapsulationOptions { Local = ends.Local, Remote = ends.Remote, UnderlayMtu = ends.UnderlayMtu },
        (_, ends) => new MinimalEncapsulationOptions { Local = ends.Local, Remote = ends.Remote, UnderlayMtu = ends.UnderlayMtu },
        (options, time, host) => new MinimalEncapsulationTunnel(As<MinimalEncapsulationOptions>(options, "minimal"), host, time));

    /// <summary>
    /// Mobile IP UDP tunnelling (RFC 3519): IP in IP inside UDP on port 434, through NATs. Its packets share UDP 434
    /// with registrations, so the node does not hand it UDP: the mobility agent listening on 434 passes tunnel data
    /// messages to the tunnel table. The input key is the remote port and the Next Header of the tunnel data header.
    /// </summary>
    public static TunnelKind Udp { get; } = new(
        4, "mipudp", IpProtocol.Udp, false, [.. CommonFields, .. OuterHeaderFields, "sport", "dport", "keepaliveMs", "carries"],
        ends => ends.ApplyPorts(ends.Apply(new UdpTunnelOptions { Local = ends.Local, Remote = ends.Remote })),
        (config, ends) => TunnelConfig.ReadUdp(config, ends),
        (options, time, host) => new UdpTunnel(As<UdpTunnelOptions>(options, "mipudp"), host, time),
        UdpSourcePort, ownsOuterProtocol: false);

    /// <summary>Every kind, in the order of <see cref="Id"/>.</summary>
    public static IReadOnlyList<TunnelKind> All { get; } = [Gre, Gretap, IpInIp, Minimal, Udp];

    /// <summary>Small and dense (0..<see cref="All"/>.Count-1): a kind's bit in a <see cref="TunnelKindSet"/>.</summary>
    public int Id { get; }

    /// <summary>What configurations call it (ip-link(8)'s type).</summary>
    public string Name { get; }

    public IpProtocol OuterProtocol { get; }

    /// <summary>True when the inner payload is an Ethernet frame (gretap), false when it is an IPv4 packet.</summary>
    public bool CarriesEthernet { get; }

    /// <summary>
    /// True when every packet of <see cref="OuterProtocol"/> addressed to a node is this kind's (GRE, IP in IP, minimal
    /// encapsulation), so the node hands the protocol to its tunnels and ICMP errors about it to the tunnel that sent
    /// it. False for UDP: only the tunnel data messages on port 434 are, and the agent listening there passes them on.
    /// </summary>
    public bool OwnsOuterProtocol { get; }

    /// <summary>The configuration fields a tunnel object of this kind may have.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>The names of all kinds, for messages: "gre, gretap, ipip, minimal".</summary>
    public static string Names => string.Join(", ", All.Select(k => k.Name));

    public static bool TryFind(string name, [NotNullWhen(true)] out TunnelKind? kind)
    {
        kind = All.FirstOrDefault(k => k.Name == name);
        return kind is not null;
    }

    /// <summary>Options for a tunnel made on demand (a mobility agent's tunnel to a peer): this kind's defaults between <paramref name="ends"/>.</summary>
    public TunnelOptions DefaultOptions(TunnelEnds ends) => _defaults(ends);

    /// <summary>This kind's options from a configuration object whose common fields gave <paramref name="ends"/>.</summary>
    internal TunnelOptions ReadOptions(ConfigElement config, TunnelEnds ends) => _read(config, ends);

    /// <summary>An endpoint of this kind; <paramref name="options"/> must be this kind's (from <see cref="DefaultOptions"/> or a configuration).</summary>
    public ITunnelEndpoint CreateEndpoint(TunnelOptions options, TimeProvider time, ITunnelHost host) => _create(options, time, host);

    /// <summary>
    /// The input key <paramref name="outer"/> carries for the kinds of its protocol (a GRE key, a UDP tunnel's source
    /// port); false when its kind matches on addresses alone or the packet carries none.
    /// </summary>
    public static bool TryReadInputKey(Ipv4Packet outer, out uint key)
    {
        // By index: this runs for every outer packet, and an interface enumerator would allocate.
        for (int i = 0; i < All.Count; i++)
        {
            var kind = All[i];
            if (kind.OuterProtocol == outer.Protocol && kind._inputKey is { } read) return read(outer, out key);
        }
        key = 0;
        return false;
    }

    private static bool GreKey(Ipv4Packet outer, out uint key)
    {
        key = 0;
        if (outer.IsFragment || !GrePacket.TryCreate(outer.Payload, ChecksumPolicy.None, out var gre, out _) || !gre.KeyPresent) return false;
        key = gre.Key.GetValueOrDefault();
        return true;
    }

    private static bool UdpSourcePort(Ipv4Packet outer, out uint key)
    {
        key = 0;
        if (outer.IsFragment || !UdpDatagram.TryCreate(outer.Payload, out var udp, out _)) return false;
        var data = udp.Payload;
        // RFC 3519 sec 3.3: Type 4, then Next Header. Anything else keys on the port alone and matches no tunnel exactly.
        var carries = data.Length >= 2 && data[0] == (byte)MobileIpMessageType.TunnelData ? (IpProtocol)data[1] : 0;
        key = UdpTunnelOptions.InputKeyOf(udp.SourcePort, carries);
        return true;
    }

    public override string ToString() => Name;

    private static T As<T>(TunnelOptions options, string kind) where T : TunnelOptions =>
        options as T ?? throw new ArgumentException($"a {kind} tunnel needs {typeof(T).Name}, not {options.GetType().Name}", nameof(options));
}

