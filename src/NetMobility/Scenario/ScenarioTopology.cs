using NetMobility.Capture;
using NetMobility.Links;
using NetMobility.Mobility;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Testbed.Tcp;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;

namespace NetMobility.Scenario;

/// <summary>
/// The network of a live migration scenario, in memory on one <see cref="Simulation"/>:
/// <code>
///   home link 10.1.0.0/24                          correspondent link 10.3.0.0/24
///   r1 .1   ha .2 (home agent)   src .3   vm .42    r3 .1   cn .10 (correspondent)
///        |                                               |
///        r1 192.0.2.1 ===== WAN leg ===== 192.0.2.2 r3   (r3 filters ingress on every interface)
///                                         192.0.2.6 r3
///                                              ||  WAN leg
///        fa 192.0.2.5 =========================//
///        fa .1 on the foreign link 10.2.0.0/24: the destination host's foreign agent, care-of address 10.2.0.1; dst .2
/// </code>
/// The VM's interface is a <see cref="VmPort"/>, plugged at home into the source host's port
/// (<see cref="SourceHostPort"/>) and after the move into a port of the foreign link. The VM's replies from the
/// foreign site would fail r3's ingress filter with the home address as source, so the registration asks for
/// reverse tunnelling (RFC 3024). The source host (src .3 on the home link) and the destination host (dst .2 on the
/// foreign link) carry the page stream over TCP across the same WAN legs. The VM and the correspondent run the testbed's TCP (<see cref="TcpStack"/>); the
/// VM's, with its node's ARP, reassembly and ICMP timers, on a <see cref="GuestClock"/> that stops while it is paused. With a capture directory, home.pcapng holds the
/// home link as r1 sees it, wan.pcapng both WAN legs at r3, foreign.pcapng the foreign link as the foreign agent sees
/// it, and correspondent.pcapng the correspondent's link, where each of its TCP segments shows once.
/// </summary>
public sealed class ScenarioTopology : IDisposable
{
    public static readonly Ipv4Address VmAddress = Ipv4Address.Parse("10.1.0.42");
    public static readonly Ipv4Address HomeGateway = Ipv4Address.Parse("10.1.0.1");
    public static readonly Ipv4Address HaAddress = Ipv4Address.Parse("10.1.0.2");
    public static readonly Ipv4Address FaAddress = Ipv4Address.Parse("10.2.0.1");
    public static readonly Ipv4Address CnAddress = Ipv4Address.Parse("10.3.0.10");
    /// <summary>The source host's own address on the home link: the page stream leaves from here.</summary>
    public static readonly Ipv4Address SourceHostAddress = Ipv4Address.Parse("10.1.0.3");
    /// <summary>The destination host's own address on the foreign link: the page stream arrives here.</summary>
    public static readonly Ipv4Address DestinationHostAddress = Ipv4Address.Parse("10.2.0.2");
    public static readonly MacAddress VmMac = MacAddress.Parse("52:54:00:00:00:42");
    public const int HomePrefixLength = 24;

    /// <summary>
    /// The MSS of the scenario's TCP: 1500 octets of MTU less the IP and TCP headers (40) and the largest encapsulation
    /// the agents use (GRE: 20 octets of outer IP header and 4 of GRE header, RFC 2784 sec 2).
    /// </summary>
    public const int TunnelledMss = 1436;
    private const uint Spi = 0x1000;
    private static readonly byte[] Key = "vm-42 mobile-home key"u8.ToArray();

    private readonly List<CaptureSink> _captures = [];

    public ScenarioTopology(ScenarioOptions options)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        Net = new Topology();
        var time = Net.Loop.Time;
        CaptureSink? home = null, wan = null, foreign = null, correspondent = null;
        if (options.CaptureDirectory is string directory)
        {
            Directory.CreateDirectory(directory);
            home = AddCapture(Path.Combine(directory, "home.pcapng"));
            wan = AddCapture(Path.Combine(directory, "wan.pcapng"));
            foreign = AddCapture(Path.Combine(directory, "foreign.pcapng"));
            correspondent = AddCapture(Path.Combine(directory, "correspondent.pcapng"));
        }
        Func<IFrameLink, IFrameLink>? Tap(CaptureSink? sink) => sink is null ? null : link => new CaptureLink(time, link, sink);

        // The sites' links hold a page-stream connection's burst (a window's worth, up to 512 KiB, sent at once on an
        // in-memory link with no serialisation time) for the WAN router, as a host's transmit queue (1000 frames) would.
        var siteLink = new SegmentOptions { QueueCapacity = 1000 };
        HomeLink = Net.AddSegment("home", siteLink);
        ForeignLink = Net.AddSegment("foreign", siteLink);
        var correspondentLink = Net.AddSegment("correspondent");
        R1 = Net.AddRouter("r1");
        R3 = Net.AddRouter("r3");
        HaNode = Net.AddRouter("ha");
        FaNode = Net.AddRouter("fa");
        // The VM's node keeps its ARP cache and resolver, reassembly and ICMP timers on the VM's clock: they stand still
        // while it is paused, as a paused guest's kernel does.
        VmClock = new GuestClock(Net.Loop.Time);
        VmNode = Net.AddHost("vm", new NodeOptions { Clock = VmClock });
        CnNode = Net.AddHost("cn");
        SourceHost = Net.AddHost("src");
        DestinationHost = Net.AddHost("dst");

        Net.Attach(R1, HomeLink, "10.1.0.1/24", Tap(home));
        HaHome = Net.Attach(HaNode, HomeLink, "10.1.0.2/24");
        var faVisitors = Net.Attach(FaNode, ForeignLink, "10.2.0.1/24", Tap(foreign));
        var r3Correspondent = Net.Attach(R3, correspondentLink, "10.3.0.1/24");
        Net.Attach(CnNode, correspondentLink, "10.3.0.10/24", Tap(correspondent));
        Net.Attach(SourceHost, HomeLink, "10.1.0.3/24");
        Net.Attach(DestinationHost, ForeignLink, "10.2.0.2/24");
        var leg = new ImpairmentOptions
        {
            Latency = options.WanLatency / 2,
            BandwidthBitsPerSecond = (long)options.WanBitsPerSecond,
            Loss = options.WanLoss,
            Reordering = options.WanReordering,
            Seed = (ulong)options.Seed,
        };
        var r3FromHome = ConnectWan(R1, "192.0.2.1/30", R3, "192.0.2.2/30", leg, wan);
        var r3FromForeign = ConnectWan(FaNode, "192.0.2.5/30", R3, "192.0.2.6/30", leg with { Seed = leg.Seed + 10 }, wan);

        R1.SetDefaultRoute(Ipv4Address.Parse("192.0.2.2"));
        R3.AddRoute(Ipv4Prefix.Parse("10.1.0.0/24"), Ipv4Address.Parse("192.0.2.1"));
        R3.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), Ipv4Address.Parse("192.0.2.5"));
        // RFC 3704 sec 2.2: the correspondent's router drops packets whose source does not route back out of the interface they came in on.
        r3FromHome.IngressFilter = options.ReverseTunnel;
        r3FromForeign.IngressFilter = options.ReverseTunnel;
        r3Correspondent.IngressFilter = options.ReverseTunnel;
        HaNode.SetDefaultRoute(HomeGateway);
        FaNode.SetDefaultRoute(Ipv4Address.Parse("192.0.2.6"));
        CnNode.SetDefaultRoute(Ipv4Address.Parse("10.3.0.1"));
        SourceHost.SetDefaultRoute(HomeGateway);
        DestinationHost.SetDefaultRoute(FaAddress);

        HomeAgent = new HomeAgent(HaNode, HaHome, new NodeTunnels(HaNode), new HomeAgentOptions { Address = HaAddress, HomePrefixLength = HomePrefixLength });
        HomeAgent.MobileNodes.Add(VmAddress, new MobilitySecurityAssociation(Spi, Key));
        ForeignAgent = new ForeignAgent(FaNode, faVisitors, new NodeTunnels(FaNode), new ForeignAgentOptions { Address = FaAddress, CareOfAddress = FaAddress });
        ForeignAgent.Start();

        VmPort = new VmPort(Net.Loop, "vm-eth0", new RegistrationClientOptions
        {
            HomeAddress = VmAddress,
            HomeAgent = HaAddress,
            Mac = VmMac,
            Association = new MobilitySecurityAssociation(Spi, Key),
            Flags = (options.ReverseTunnel ? RegistrationFlags.ReverseTunnel : 0) | MobileIpEncapsulation.FlagsFor(options.Encapsulation),
        });
        VmInterface = VmNode.AddInterface(VmPort, VmAddress, HomePrefixLength);
        VmNode.SetDefaultRoute(HomeGateway);
        SourcePort = new SourceHostPort(HomeLink.AddPort("vm@home", VmMac));
        VmPort.StartAtHome(SourcePort);

        // The endpoint does no path MTU discovery, and a connection opened at home outlives the move into a tunnel:
        // both ends announce an MSS that fits the largest encapsulation, as an operator clamps it on such a path.
        var tcp = new TcpEndpointOptions { MaxSegmentSize = TunnelledMss };
        VmTcp = new TcpStack(VmNode, tcp, seed: (ulong)options.Seed + 100, clock: VmClock);
        CnTcp = new TcpStack(CnNode, tcp, seed: (ulong)options.Seed + 200);
        SourceHostTcp = new TcpStack(SourceHost, seed: (ulong)options.Seed + 300);
        DestinationHostTcp = new TcpStack(DestinationHost, seed: (ulong)options.Seed + 400);
    }

    public Topology Net { get; }
    public Simulation Sim => Net.Simulation;
    public EthernetSegment HomeLink { get; }
    public EthernetSegment ForeignLink { get; }
    public Node R1 { get; }
    public Node R3 { get; }
    public Node HaNode { get; }
    public Node FaNode { get; }
    public Node VmNode { get; }
    public Node CnNode { get; }
    public NetInterface HaHome { get; }
    public NetInterface VmInterface { get; }
    public HomeAgent HomeAgent { get; }
    public ForeignAgent ForeignAgent { get; }
    public VmPort VmPort { get; }
    public SourceHostPort SourcePort { get; }

    /// <summary>The VM's clock: it stands still while the VM is paused, and so does the VM's TCP.</summary>
    public GuestClock VmClock { get; }

    /// <summary>The VM's TCP, on its own clock.</summary>
    public TcpStack VmTcp { get; }

    public TcpStack CnTcp { get; }

    /// <summary>The source host (the hypervisor at home) as a host of the home link, with its TCP: the page stream's sender.</summary>
    public Node SourceHost { get; }

    /// <summary>The destination host as a host of the foreign link, with its TCP: the page stream's receiver.</summary>
    public Node DestinationHost { get; }

    public TcpStack SourceHostTcp { get; }
    public TcpStack DestinationHostTcp { get; }

    /// <summary>The capture files being written, in the order home, WAN, foreign, correspondent; empty without a capture directory.</summary>
    public IReadOnlyList<string> CapturePaths { get; private set; } = [];

    /// <summary>The VM's network device state as the source host reads it: its NIC's address, its home address and prefix, its default gateway.</summary>
    public VmDeviceState ReadDeviceState()
    {
        // The default route: no other prefix of the VM holds 0.0.0.0.
        var gateway = VmNode.Routes.Lookup(Ipv4Address.Any) is { IsOnLink: false } route ? route.Gateway : Ipv4Address.Any;
        return new VmDeviceState(VmPort.Mac, VmInterface.Address, VmInterface.Prefix.Length, gateway);
    }

    /// <summary>Stops the agents and the VM's port, gives back what they hold, and flushes and closes the capture files.</summary>
    public void Dispose()
    {
        VmPort.Dispose();
        ForeignAgent.Dispose();
        HomeAgent.Dispose();
        SourcePort.Dispose();
        foreach (var sink in _captures) sink.Dispose();
        _captures.Clear();
    }

    private CaptureSink AddCapture(string path)
    {
        var sink = CaptureSink.Create(path, CaptureFormat.Pcapng);
        _captures.Add(sink);
        CapturePaths = [.. CapturePaths, path];
        return sink;
    }

    /// <summary>
    /// A WAN leg: a point-to-point wire impaired at both ends. The capture, if any, sits on b's end of the wire,
    /// under b's impairment: it sees each frame as it enters or leaves the wire, at the time it really does.
    /// </summary>
    private NetInterface ConnectWan(Node a, string addressA, Node b, string addressB, ImpairmentOptions impairment, CaptureSink? capture)
    {
        var (ipA, lengthA) = Topology.ParseInterfaceAddress(addressA);
        var (ipB, lengthB) = Topology.ParseInterfaceAddress(addressB);
        var wire = new PointToPointWire(Net.Loop, $"{a.Name}-{b.Name}", Net.NextMac(), Net.NextMac());
        IFrameLink endB = capture is null ? wire.B : new CaptureLink(Net.Loop.Time, wire.B, capture);
        var ifaceA = a.AddInterface(new ImpairedLink(Net.Loop, wire.A, impairment), ipA, lengthA);
        var ifaceB = b.AddInterface(new ImpairedLink(Net.Loop, endB, impairment with { Seed = impairment.Seed + 1 }), ipB, lengthB);
        // Each end of a point-to-point leg knows the other, as routers on a WAN circuit do, so the first packet across
        // (the destination's registration, say) does not wait a round trip for ARP.
        a.Arp.AddStatic(ifaceA, ipB, ifaceB.Mac);
        b.Arp.AddStatic(ifaceB, ipA, ifaceA.Mac);
        return ifaceB;
    }
}
