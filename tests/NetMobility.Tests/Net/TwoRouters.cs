using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Wire;

namespace NetMobility.Tests.Net;

/// <summary>
/// h1 (10.1.0.10) - lan1 - r1 (10.1.0.1 | 192.0.2.1) - wire - (192.0.2.2 | 10.2.0.1) r2 - lan2 - h2 (10.2.0.10)
/// </summary>
internal sealed class TwoRouters
{
    public static readonly Ipv4Address H1Address = Ipv4Address.Parse("10.1.0.10");
    public static readonly Ipv4Address H2Address = Ipv4Address.Parse("10.2.0.10");

    public TwoRouters(int wanMtu = 1500, ImpairmentOptions? wan = null, NodeOptions? routerOptions = null,
        Func<IFrameLink, IFrameLink>? wrapLan = null, Simulation? simulation = null)
    {
        Topology = new Topology(simulation ?? new Simulation());
        Lan1 = Topology.AddSegment("lan1");
        Lan2 = Topology.AddSegment("lan2");
        R1 = Topology.AddRouter("r1", routerOptions);
        R2 = Topology.AddRouter("r2", routerOptions);
        H1 = Topology.AddHost("h1");
        H2 = Topology.AddHost("h2");
        R1Lan = Topology.Attach(R1, Lan1, "10.1.0.1/24", wrapLan);
        R2Lan = Topology.Attach(R2, Lan2, "10.2.0.1/24", wrapLan);
        (R1Wan, R2Wan) = Topology.Connect(R1, "192.0.2.1/30", R2, "192.0.2.2/30", wan, wanMtu);
        H1Lan = Topology.Attach(H1, Lan1, "10.1.0.10/24", wrapLan);
        H2Lan = Topology.Attach(H2, Lan2, "10.2.0.10/24", wrapLan);
        R1.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), Ipv4Address.Parse("192.0.2.2"));
        R2.AddRoute(Ipv4Prefix.Parse("10.1.0.0/24"), Ipv4Address.Parse("192.0.2.1"));
        H1.SetDefaultRoute(Ipv4Address.Parse("10.1.0.1"));
        H2.SetDefaultRoute(Ipv4Address.Parse("10.2.0.1"));
        Host1 = new TestHost(H1);
        Host2 = new TestHost(H2);
    }

    public Topology Topology { get; }
    public Simulation Sim => Topology.Simulation;
    public EthernetSegment Lan1 { get; }
    public EthernetSegment Lan2 { get; }
    public Node R1 { get; }
    public Node R2 { get; }
    public Node H1 { get; }
    public Node H2 { get; }
    public NetInterface R1Lan { get; }
    public NetInterface R2Lan { get; }
    public NetInterface R1Wan { get; }
    public NetInterface R2Wan { get; }
    public NetInterface H1Lan { get; }
    public NetInterface H2Lan { get; }
    public TestHost Host1 { get; }
    public TestHost Host2 { get; }
}
