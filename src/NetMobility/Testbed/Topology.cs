using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Testbed;

/// <summary>
/// Builds in-memory networks on one <see cref="Links.Simulation"/>: segments, hosts, routers, point-to-point
/// wires (optionally impaired, the WAN), with hardware addresses handed out in order
/// (locally administered, 02:00:00:00:00:01 upwards) so that a topology is the same on every run.
/// </summary>
public sealed class Topology
{
    private ulong _nextMac = 0x02_00_00_00_00_01UL;

    public Topology() : this(new Simulation()) { }

    public Topology(Simulation simulation) => Simulation = simulation;

    public Simulation Simulation { get; }
    public EventLoop Loop => Simulation.Loop;

    public MacAddress NextMac() => new(_nextMac++);

    public EthernetSegment AddSegment(string name, SegmentOptions? options = null) => new(Loop, name, options);

    public Node AddHost(string name, NodeOptions? options = null) => new(Loop, name, (options ?? new NodeOptions()) with { Forwarding = false });

    public Node AddRouter(string name, NodeOptions? options = null) => new(Loop, name, (options ?? new NodeOptions()) with { Forwarding = true });

    /// <summary>
    /// Plugs <paramref name="node"/> into a new port of <paramref name="segment"/> with <paramref name="address"/>
    /// ("10.0.0.1/24"); <paramref name="wrap"/> may put wrappers (capture, impairment) between port and node.
    /// </summary>
    public NetInterface Attach(Node node, EthernetSegment segment, string address, Func<IFrameLink, IFrameLink>? wrap = null)
    {
        var (ip, length) = ParseInterfaceAddress(address);
        IFrameLink port = segment.AddPort($"{node.Name}@{segment.Name}", NextMac());
        return node.AddInterface(wrap?.Invoke(port) ?? port, ip, length);
    }

    /// <summary>
    /// Joins two nodes with a point-to-point wire. With <paramref name="impairment"/>, both directions are impaired
    /// alike, each end drawing from its own seed (the options' seed for a, the next one for b).
    /// </summary>
    public (NetInterface A, NetInterface B) Connect(Node a, string addressA, Node b, string addressB,
        ImpairmentOptions? impairment = null, int mtu = 1500, int queueCapacity = 256)
    {
        var (ipA, lengthA) = ParseInterfaceAddress(addressA);
        var (ipB, lengthB) = ParseInterfaceAddress(addressB);
        var wire = new PointToPointWire(Loop, $"{a.Name}-{b.Name}", NextMac(), NextMac(), mtu, queueCapacity);
        IFrameLink endA = wire.A, endB = wire.B;
        if (impairment is not null)
        {
            endA = new ImpairedLink(Loop, wire.A, impairment);
            endB = new ImpairedLink(Loop, wire.B, impairment with { Seed = impairment.Seed + 1 });
        }
        return (a.AddInterface(endA, ipA, lengthA), b.AddInterface(endB, ipB, lengthB));
    }

    /// <summary>"10.0.0.1/24" as the interface address and its prefix length.</summary>
    public static (Ipv4Address Address, int PrefixLength) ParseInterfaceAddress(string text)
    {
        int slash = text.IndexOf('/');
        if (slash < 0 || !Ipv4Address.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), out int length) || length is < 0 or > 32)
            throw new FormatException($"'{text}' is not an interface address (a.b.c.d/n)");
        return (address, length);
    }
}
