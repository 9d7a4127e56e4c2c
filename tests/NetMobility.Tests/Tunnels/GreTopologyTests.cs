using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>
/// h1 (10.1.0.10) - lan1 - r1 ==[GRE 10.255.0.1/30 over 192.0.2.1 - WAN - 192.0.2.2]== r2 - lan2 - h2 (10.2.0.10).
/// The WAN wire delays every frame by 10 ms with 8 ms of jitter and lets some skip the delay altogether, so
/// frames overtake each other; the routers route the two LANs to each other through the tunnel.
/// </summary>
public class GreTopologyTests
{
    private static readonly Ipv4Address H1Address = Ipv4Address.Parse("10.1.0.10");
    private static readonly Ipv4Address H2Address = Ipv4Address.Parse("10.2.0.10");

    private static readonly ImpairmentOptions ReorderingWan = new()
    {
        Latency = TimeSpan.FromMilliseconds(10),
        Jitter = TimeSpan.FromMilliseconds(8),
        Reordering = 0.05,
        Seed = 7,
    };

    private sealed class Network
    {
        public Network(bool sequenced, int depth = 64)
        {
            var lan1 = Topology.AddSegment("lan1");
            var lan2 = Topology.AddSegment("lan2");
            R1 = Topology.AddRouter("r1");
            R2 = Topology.AddRouter("r2");
            H1 = Topology.AddHost("h1");
            H2 = Topology.AddHost("h2");
            Topology.Attach(R1, lan1, "10.1.0.1/24");
            Topology.Attach(R2, lan2, "10.2.0.1/24");
            Topology.Connect(R1, "192.0.2.1/30", R2, "192.0.2.2/30", ReorderingWan);
            Topology.Attach(H1, lan1, "10.1.0.10/24");
            Topology.Attach(H2, lan2, "10.2.0.10/24");
            H1.SetDefaultRoute(Ipv4Address.Parse("10.1.0.1"));
            H2.SetDefaultRoute(Ipv4Address.Parse("10.2.0.1"));

            var reorder = new GreReorderOptions { MaxPerflowBuffer = depth, OutOfOrderTimer = TimeSpan.FromMilliseconds(100) };
            Tunnels1 = new NodeTunnels(R1);
            Tunnels2 = new NodeTunnels(R2);
            Gre1 = Tunnels1.AddGre("gre1", Gre(Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("192.0.2.2"), sequenced, reorder),
                Ipv4Address.Parse("10.255.0.1"), 30);
            Gre2 = Tunnels2.AddGre("gre1", Gre(Ipv4Address.Parse("192.0.2.2"), Ipv4Address.Parse("192.0.2.1"), sequenced, reorder),
                Ipv4Address.Parse("10.255.0.2"), 30);
            R1.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), Gre1.Interface, Ipv4Address.Parse("10.255.0.2"));
            R2.AddRoute(Ipv4Prefix.Parse("10.1.0.0/24"), Gre2.Interface, Ipv4Address.Parse("10.255.0.1"));
            Host1 = new TestHost(H1);
            Host2 = new TestHost(H2);
            // The order echo requests reach h2 in, and echo replies reach h1 in.
            H2.AddHook((_, p) => Record(p, RequestsAtH2));
            H1.AddHook((_, p) => Record(p, RepliesAtH1));
        }

        private static GreTunnelOptions Gre(Ipv4Address local, Ipv4Address remote, bool sequenced, GreReorderOptions reorder) => new()
        {
            Local = local,
            Remote = remote,
            InputKey = 0x4e4d,
            OutputKey = 0x4e4d,
            InputSequence = sequenced,
            OutputSequence = sequenced,
            Reorder = reorder,
        };

        private static bool Record(Ipv4Packet packet, List<int> into)
        {
            if (packet.Protocol == IpProtocol.Icmp && Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _)
                && icmp.Type is Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply)
                into.Add(icmp.SequenceNumber);
            return false;
        }

        public Topology Topology { get; } = new();
        public Simulation Sim => Topology.Simulation;
        public Node R1 { get; }
        public Node R2 { get; }
        public Node H1 { get; }
        public Node H2 { get; }
        public NodeTunnels Tunnels1 { get; }
        public NodeTunnels Tunnels2 { get; }
        public TunnelInterface Gre1 { get; }
        public TunnelInterface Gre2 { get; }
        public TestHost Host1 { get; }
        public TestHost Host2 { get; }
        public List<int> RequestsAtH2 { get; } = [];
        public List<int> RepliesAtH1 { get; } = [];

        /// <summary>h1 pings h2 <paramref name="count"/> times, one every millisecond, then everything settles.</summary>
        public void PingFlood(int count)
        {
            // Resolve every neighbour first, so the flow itself is what the test sees.
            Host1.Ping(H2Address, 0);
            Sim.RunFor(TimeSpan.FromSeconds(1));
            RequestsAtH2.Clear();
            RepliesAtH1.Clear();
            for (int i = 1; i <= count; i++)
            {
                Assert.True(Host1.Ping(H2Address, (ushort)i, dataLength: 100));
                Sim.RunFor(TimeSpan.FromMilliseconds(1));
            }
            Sim.RunFor(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public void Pings_cross_the_tunnel_in_order_despite_a_reordering_wan()
    {
        var net = new Network(sequenced: true);
        net.PingFlood(300);

        var expected = Enumerable.Range(1, 300).ToList();
        Assert.Equal(expected, net.RequestsAtH2);
        Assert.Equal(expected, net.RepliesAtH1);
        Assert.Equal(301, net.Host1.Replies.Count);
        var gre1 = net.Gre1.Endpoint.Counters;
        var gre2 = net.Gre2.Endpoint.Counters;
        // The WAN did reorder, and the windows repaired all of it: nothing late, lost or given up.
        Assert.True(gre2.Reordered > 0 && gre1.Reordered > 0, $"reordered {gre2.Reordered} / {gre1.Reordered}");
        Assert.Equal(0, gre1.TotalDropped + gre2.TotalDropped);
        Assert.Equal(0, gre1.SequenceGaps + gre2.SequenceGaps);
        Assert.Equal(0, gre1.TimerFlushes + gre2.TimerFlushes);
        Assert.Equal(301, gre2.PacketsIn);
    }

    [Fact]
    public void A_tcp_shaped_flow_crosses_the_tunnel_complete_and_in_order()
    {
        var net = new Network(sequenced: true);
        var flow = net.Host2.Listen(5001);
        net.PingFlood(1); // resolves the neighbours
        for (int i = 0; i < 400; i++)
        {
            Assert.True(net.Host1.SendSegment(H2Address, 40000, 5001, (uint)(i * 1000), 1000));
            net.Sim.RunFor(TimeSpan.FromMilliseconds(0.5));
        }
        net.Sim.RunFor(TimeSpan.FromSeconds(1));

        Assert.True(flow.IsCompleteAndInOrder(400, 1000), $"missing {string.Join(",", flow.Missing(400, 1000))}, {flow.OutOfOrder} out of order");
        Assert.Equal(0, flow.CorruptPayloads);
        var gre2 = net.Gre2.Endpoint.Counters;
        Assert.True(gre2.Reordered > 0);
        Assert.Equal(0, gre2.TotalDropped + gre2.SequenceGaps);
    }

    [Fact]
    public void A_df_segment_over_the_tunnel_mtu_is_answered_with_the_tunnel_mtu()
    {
        var net = new Network(sequenced: true);
        net.Host2.Listen(5001);
        net.PingFlood(1);
        // Tunnel MTU 1500 - 20 - 12 (key and sequence number) = 1468: a 1468-byte segment passes, 1469 does not.
        Assert.True(net.Host1.SendSegment(H2Address, 40000, 5001, 0, 1468 - 40));
        Assert.True(net.Host1.SendSegment(H2Address, 40000, 5001, 1428, 1469 - 40));
        net.Sim.RunFor(TimeSpan.FromSeconds(1));
        var error = Assert.Single(net.Host1.Errors);
        Assert.Equal((Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, (ushort)1468), (error.Type, error.Code, error.NextHopMtu));
        Assert.Equal(Ipv4Address.Parse("10.1.0.1"), error.From);
        Assert.Equal(1468, net.Gre1.Mtu);
    }

    [Fact]
    public void Without_sequencing_the_same_wan_delivers_out_of_order()
    {
        var net = new Network(sequenced: false);
        net.PingFlood(300);
        Assert.Equal(Enumerable.Range(1, 300), net.RequestsAtH2.Order());
        Assert.NotEqual(Enumerable.Range(1, 300).ToList(), net.RequestsAtH2);
    }

    [Fact]
    public void A_window_of_depth_zero_drops_what_the_wan_reorders()
    {
        var net = new Network(sequenced: true, depth: 0);
        net.PingFlood(300);
        var late = net.Gre2.Endpoint.Counters.Dropped(TunnelDropReason.LateSequence);
        Assert.True(late > 0);
        Assert.Equal(300 - late, net.RequestsAtH2.Count);
        Assert.Equal(net.RequestsAtH2.Order(), net.RequestsAtH2);
    }
}
