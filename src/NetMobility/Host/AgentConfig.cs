using NetMobility.Capture;
using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Replay;
using NetMobility.Runtime;

namespace NetMobility.Host;

/// <summary>
/// The agent daemon's configuration file (docs/agent.md): <c>node</c>, the node as <c>netmob replay</c> reads it
/// (docs/replay.md) with a <c>link</c> object in each interface; <c>vms</c>, the VMs it hosts; <c>control</c>, the
/// path of its control socket; <c>capture</c>, a pcap or pcapng file of every frame on its links; and <c>Logging</c>,
/// the .NET logging section. <see cref="Check"/> builds the whole node on a virtual clock with in-memory links, so
/// that every mistake is found, named by file and key path, before a device is touched.
/// </summary>
public sealed class AgentConfig
{
    private AgentConfig(string path, ConfigElement root)
    {
        Path = path;
        Root = root;
        Node = root.Get("node");
        Vms = root.Items("vms");
        Name = Node.TryGet("name", out var n) ? n.AsString() : "node";
        ControlSocket = root.TryGet("control", out var c) ? c.AsString() : $"/run/netmob/{Name}.sock";
        if (ControlSocket.Length == 0) throw root.Get("control").Error("must not be empty");
        if (root.TryGet("capture", out var capture))
        {
            CapturePath = capture.AsString();
            CaptureFormat = System.IO.Path.GetExtension(CapturePath).ToLowerInvariant() switch
            {
                ".pcap" => Capture.CaptureFormat.Pcap,
                ".pcapng" => Capture.CaptureFormat.Pcapng,
                _ => throw capture.Error("must end in .pcap or .pcapng"),
            };
        }
    }

    public string Path { get; }

    /// <summary>The migration receiver role (<c>migration</c>), or null when the daemon takes no migrations.</summary>
    public MigrationReceiverSpec? Migration { get; private set; }
    public ConfigElement Root { get; }
    public ConfigElement Node { get; }
    public IReadOnlyList<ConfigElement> Vms { get; }
    public string Name { get; }
    public string ControlSocket { get; }
    public string? CapturePath { get; }
    public CaptureFormat CaptureFormat { get; }

    /// <summary>Reads <paramref name="path"/> with <paramref name="overrides"/> laid over it and checks it whole; a mistake is a <see cref="ConfigException"/>.</summary>
    public static AgentConfig Load(string path, IReadOnlyList<KeyValuePair<string, string?>> overrides)
    {
        var root = ConfigOverrides.Load(path, overrides);
        root.AllowOnly("node", "vms", "control", "capture", MigrationReceiverSpec.Field, "Logging");
        var config = new AgentConfig(path, root);
        config.Check();
        return config;
    }

    /// <summary>Builds the node and its VMs on a virtual clock, every link in memory: the checks of the real build, no device opened.</summary>
    private void Check()
    {
        var loop = new Simulation(new ManualTimeProvider()).Loop;
        var segments = new Dictionary<string, (EthernetSegment, Net.NetInterface)>(StringComparer.Ordinal);
        var segmentOf = new Dictionary<string, EthernetSegment>(StringComparer.Ordinal);
        using var node = ReplayNode.Build(Node, loop, MobilityRoles.AddTo(new ReplayRoles()), (item, name, mac, mtu) =>
        {
            var spec = LinkSpec.Read(item);
            var impairment = LinkImpairment.Read(item);
            if (spec is SegmentLinkSpec s)
            {
                var segment = new EthernetSegment(loop, s.Segment, new SegmentOptions { Mtu = mtu });
                segmentOf[name] = segment;
                return LinkImpairment.Wrap(loop, segment.AddPort(name, mac), impairment);
            }
            return LinkImpairment.Wrap(loop, new PointToPointWire(loop, name, mac, mac, mtu).A, impairment);
        }, [LinkSpec.Field, LinkImpairment.Field]);
        foreach (var iface in node.Node.Interfaces)
            if (segmentOf.TryGetValue(iface.Name, out var segment)) segments[iface.Name] = (segment, iface);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in Vms)
        {
            using var vm = HostedVm.Read(item, loop, segments);
            if (!names.Add(vm.Name)) throw item.Get("name").Error($"vm name '{vm.Name}' is used twice");
        }
        if (Root.TryGet(MigrationReceiverSpec.Field, out var migration))
        {
            Migration = MigrationReceiverSpec.Read(migration);
            if (Migration.Vm is string vm && !names.Contains(vm))
                throw migration.Get("vm").Error($"'{vm}' is not a vm of \"vms\" (there are: {string.Join(", ", names)})");
        }
    }
}
