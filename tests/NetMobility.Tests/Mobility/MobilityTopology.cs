using NetMobility.Links;
using NetMobility.Mobility;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using NetMobility.Scenario;

namespace NetMobility.Tests.Mobility;

/// <summary>
/// The migration topology of the scenario (<see cref="ScenarioTopology"/>), in memory, with the same addresses:
/// <code>
///   home link 10.1.0.0/24            correspondent link 10.3.0.0/24
///   r1 .1   ha .2   vm .42           r3 .1   cn .10
///        |                                |
///        r1 192.0.2.1 ==== WAN ==== 192.0.2.2 r3   (r3 filters ingress on every interface)
///                                   192.0.2.6 r3
///                                       ||  WAN
///        fa 192.0.2.5 ==================//
///        fa .1 on the foreign link 10.2.0.0/24 (care-of address 10.2.0.1), where the VM goes
/// </code>
/// The VM's interface is a <see cref="VmPort"/> plugged into the home link and later into the foreign link.
/// </summary>
internal sealed class MobilityTopology
{
    // The scenario's addresses for the same roles (the scenario's topology adds the source and destination hosts and the
    // TCP sessions; this one adds a NAT in front of the foreign site and the agents' options the tests vary).
    public static readonly Ipv4Address VmAddress = ScenarioTopology.VmAddress;
    public static readonly Ipv4Address HaAddress = ScenarioTopology.HaAddress;
    public static readonly Ipv4Address FaAddress = ScenarioTopology.FaAddress;
    public static readonly Ipv4Address CnAddress = ScenarioTopology.CnAddress;
    public static readonly MacAddress VmMac = ScenarioTopology.VmMac;
    public const uint Spi = 0x1000;
    public static readonly byte[] Key = "vm-42 mobile-home key"u8.ToArray();

    public MobilityTopology(ImpairmentOptions? wan = null, RegistrationFlags flags = RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre,
        HomeAgentOptions? homeAgent = null, ForeignAgentOptions? foreignAgent = null, ReplayProtection replay = ReplayProtection.Timestamps,
        bool encapsulatingDelivery = false, bool foreignSiteBehindNat = false)
    {
        wan ??= new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(15), BandwidthBitsPerSecond = 100_000_000 };
        Topology = new Topology();
        HomeLink = Topology.AddSegment("home");
        ForeignLink = Topology.AddSegment("foreign");
        CorrespondentLink = Topology.AddSegment("correspondent");

        R1 = Topology.AddRouter("r1");
        R3 = Topology.AddRouter("r3");
        HaNode = Topology.AddRouter("ha");
        FaNode = Topology.AddRouter("fa");
        VmNode = Topology.AddHost("vm");
        CnNode = Topology.AddHost("cn");

        R1Home = Topology.Attach(R1, HomeLink, "10.1.0.1/24");
        HaHome = Topology.Attach(HaNode, HomeLink, "10.1.0.2/24");
        FaVisitors = Topology.Attach(FaNode, ForeignLink, "10.2.0.1/24");
        var r3Corr = Topology.Attach(R3, CorrespondentLink, "10.3.0.1/24");
        Topology.Attach(CnNode, CorrespondentLink, "10.3.0.10/24");
        var (_, r3FromHome) = Topology.Connect(R1, "192.0.2.1/30", R3, "192.0.2.2/30", wan);
        NetInterface r3FromForeign;
        if (foreignSiteBehindNat)
        {
            // The foreign site's addresses are private: the WAN sees only the NAT's 192.0.2.5, and no route leads to 10.2.0.0/24.
            NatNode = Topology.AddRouter("nat");
            var (_, natInside) = Topology.Connect(FaNode, "172.16.0.2/30", NatNode, "172.16.0.1/30");
            NetInterface natOutside;
            (natOutside, r3FromForeign) = Topology.Connect(NatNode, "192.0.2.5/30", R3, "192.0.2.6/30", wan with { Seed = wan.Seed + 10 });
            NatNode.SetDefaultRoute(Ipv4Address.Parse("192.0.2.6"));
            NatNode.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), Ipv4Address.Parse("172.16.0.2"));
            Nat = new NatRouter(NatNode, natInside, natOutside, Topology.Simulation.Clock);
        }
        else
        {
            (_, r3FromForeign) = Topology.Connect(FaNode, "192.0.2.5/30", R3, "192.0.2.6/30", wan with { Seed = wan.Seed + 10 });
            R3.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), Ipv4Address.Parse("192.0.2.5"));
        }

        R1.SetDefaultRoute(Ipv4Address.Parse("192.0.2.2"));
        R3.AddRoute(Ipv4Prefix.Parse("10.1.0.0/24"), Ipv4Address.Parse("192.0.2.1"));
        // The correspondent's router drops packets whose source does not belong behind the interface they came in on.
        r3FromHome.IngressFilter = true;
        r3FromForeign.IngressFilter = true;
        r3Corr.IngressFilter = true;
        HaNode.SetDefaultRoute(Ipv4Address.Parse("10.1.0.1"));
        FaNode.SetDefaultRoute(Ipv4Address.Parse(foreignSiteBehindNat ? "172.16.0.1" : "192.0.2.6"));
        CnNode.SetDefaultRoute(Ipv4Address.Parse("10.3.0.1"));

        HaTunnels = new NodeTunnels(HaNode);
        HomeAgent = new HomeAgent(HaNode, HaHome, HaTunnels, homeAgent ?? new HomeAgentOptions { Address = HaAddress, HomePrefixLength = 24 });
        HomeAgent.MobileNodes.Add(VmAddress, new MobilitySecurityAssociation(Spi, Key, replay: replay));

        FaTunnels = new NodeTunnels(FaNode);
        ForeignAgent = new ForeignAgent(FaNode, FaVisitors, FaTunnels, foreignAgent ?? new ForeignAgentOptions { Address = FaAddress, CareOfAddress = FaAddress });
        ForeignAgent.Start();

        VmPort = new VmPort(Topology.Loop, "vm-eth0", new RegistrationClientOptions
        {
            HomeAddress = VmAddress,
            HomeAgent = HaAddress,
            Mac = VmMac,
            Association = new MobilitySecurityAssociation(Spi, Key, replay: replay),
            Flags = flags,
            Lifetime = 120,
            EncapsulatingDelivery = encapsulatingDelivery,
        });
        VmHome = VmNode.AddInterface(VmPort, VmAddress, 24);
        VmNode.SetDefaultRoute(Ipv4Address.Parse("10.1.0.1"));
        HomePortForVm = HomeLink.AddPort("vm@home", VmMac);
        ForeignPortForVm = ForeignLink.AddPort("vm@foreign", VmMac);
        VmPort.StartAtHome(HomePortForVm);

        Vm = new TestHost(VmNode);
        Cn = new TestHost(CnNode);
    }

    public Topology Topology { get; }
    public Simulation Sim => Topology.Simulation;
    public EthernetSegment HomeLink { get; }
    public EthernetSegment ForeignLink { get; }
    public EthernetSegment CorrespondentLink { get; }
    public Node R1 { get; }
    public Node R3 { get; }
    public Node HaNode { get; }
    public Node FaNode { get; }
    public Node VmNode { get; }
    public Node CnNode { get; }
    /// <summary>The NAT in front of the foreign site, when it has one.</summary>
    public Node? NatNode { get; }
    public NatRouter? Nat { get; }
    public NetInterface R1Home { get; }
    public NetInterface HaHome { get; }
    public NetInterface FaVisitors { get; }
    public NetInterface VmHome { get; }
    public NodeTunnels HaTunnels { get; }
    public NodeTunnels FaTunnels { get; }
    public HomeAgent HomeAgent { get; }
    public ForeignAgent ForeignAgent { get; }
    public VmPort VmPort { get; }
    public SegmentPort HomePortForVm { get; }
    public SegmentPort ForeignPortForVm { get; }
    public TestHost Vm { get; }
    public TestHost Cn { get; }

    /// <summary>The hardware address <paramref name="node"/>'s ARP cache holds for the VM's home address on <paramref name="iface"/>, if any.</summary>
    public static MacAddress? CachedVmMac(Node node, NetInterface iface) =>
        node.Arp.TryLookup(iface, VmAddress, out var mac, out _) ? mac : null;
}
