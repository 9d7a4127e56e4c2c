using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>Tunnels on a node: endpoints registered without an interface, gretap links, IP-in-IP interfaces, loops.</summary>
public class NodeTunnelsTests
{
    private static readonly Ipv4Address R1Wan = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address R2Wan = Ipv4Address.Parse("192.0.2.2");

    private sealed class Pair
    {
        public Pair()
        {
            R1 = Topology.AddRouter("r1");
            R2 = Topology.AddRouter("r2");
            Topology.Connect(R1, "192.0.2.1/30", R2, "192.0.2.2/30");
            Tunnels1 = new NodeTunnels(R1);
            Tunnels2 = new NodeTunnels(R2);
        }

        public Topology Topology { get; } = new();
        public Node R1 { get; }
        public Node R2 { get; }
        public NodeTunnels Tunnels1 { get; }
        public NodeTunnels Tunnels2 { get; }
    }

    /// <summary>A host for an endpoint a caller owns: outer packets leave by the node, inner ones are kept.</summary>
    private sealed class AgentHost(Node node) : ITunnelHost
    {
        public List<byte[]> Delivered { get; } = [];
        public void Transmit(ReadOnlySpan<byte> outerPacket) => node.SendIp(outerPacket);
        public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload) => Delivered.Add(payload.ToArray());
        public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) { }
        public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) { }
    }

    [Fact]
    public void An_endpoint_without_an_interface_takes_its_packets_until_it_is_removed()
    {
        var net = new Pair();
        var host = new AgentHost(net.R2);
        using var binding = new GreTunnel(new GreTunnelOptions { Local = R2Wan, Remote = R1Wan, InputKey = 7 }, net.Tunnels2.Time, host);
        net.Tunnels2.AddEndpoint(binding);
        using var sender = new GreTunnel(new GreTunnelOptions { Local = R1Wan, Remote = R2Wan, OutputKey = 7 }, net.Tunnels1.Time, new AgentHost(net.R1));
        net.Topology.Simulation.RunFor(TimeSpan.FromSeconds(1));

        sender.Send(TestPackets.Echo(Ipv4Address.Parse("10.1.0.10"), Ipv4Address.Parse("10.2.0.10"), 1, 20));
        net.Topology.Simulation.RunFor(TimeSpan.FromSeconds(2));
        Assert.Single(host.Delivered);

        Assert.True(net.Tunnels2.RemoveEndpoint(binding));
        sender.Send(TestPackets.Echo(Ipv4Address.Parse("10.1.0.10"), Ipv4Address.Parse("10.2.0.10"), 2, 20));
        net.Topology.Simulation.RunFor(TimeSpan.FromSeconds(1));
        Assert.Single(host.Delivered);
        Assert.Equal(1, net.Tunnels2.Table.Unmatched);
    }

    [Fact]
    public void Gretap_links_bridge_two_nodes_over_the_wan()
    {
        var net = new Pair();
        var tap1 = net.Tunnels1.AddGretap("tap1", new GreTunnelOptions { Local = R1Wan, Remote = R2Wan, Mode = GreMode.Ethernet }, net.Topology.NextMac());
        var tap2 = net.Tunnels2.AddGretap("tap2", new GreTunnelOptions { Local = R2Wan, Remote = R1Wan, Mode = GreMode.Ethernet }, net.Topology.NextMac());
        Assert.Equal(1500 - 20 - 4 - 14, tap1.Mtu);
        net.R1.AddInterface(tap1, Ipv4Address.Parse("10.9.0.1"), 24);
        net.R2.AddInterface(tap2, Ipv4Address.Parse("10.9.0.2"), 24);
        var ping = new TestHost(net.R1);
        Assert.True(ping.Ping(Ipv4Address.Parse("10.9.0.2"), 1));
        net.Topology.Simulation.RunFor(TimeSpan.FromSeconds(1));
        // ARP across the bridged link, then the echo and its reply, all inside GRE 0x6558.
        Assert.Single(ping.Replies);
        Assert.True(tap1.Counters.FramesSent >= 2 && tap2.Counters.FramesReceived >= 2);
        Assert.Equal(0, tap1.Tunnel.Counters.TotalDropped + tap2.Tunnel.Counters.TotalDropped);
    }

    [Fact]
    public void A_tunnel_routed_into_itself_counts_a_loop_instead_of_recursing()
    {
        var net = new Pair();
        var gre = net.Tunnels1.AddIpInIp("ipip1", new IpInIpTunnelOptions { Local = R1Wan, Remote = Ipv4Address.Parse("203.0.113.1") }, Ipv4Address.Parse("10.8.0.1"), 30);
        // The far endpoint is only reachable through the tunnel itself.
        net.R1.AddRoute(Ipv4Prefix.Parse("203.0.113.0/24"), gre.Interface);
        var ping = new TestHost(net.R1);
        ping.Ping(Ipv4Address.Parse("203.0.113.7"), 1);
        net.Topology.Simulation.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(1, gre.Endpoint.Counters.Dropped(TunnelDropReason.Loop));
        Assert.Equal(1, gre.Endpoint.Counters.PacketsOut);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(TunnelInterface.DefaultQueueCapacity)]
    public void Decapsulated_packets_past_the_inbound_queue_are_dropped_and_counted(int capacity)
    {
        var net = new Pair();
        if (capacity != TunnelInterface.DefaultQueueCapacity) net.Tunnels2.InboundQueueCapacity = capacity;
        var tunnel = net.Tunnels2.AddIpInIp("ipip2", new IpInIpTunnelOptions { Local = R2Wan, Remote = R1Wan }, Ipv4Address.Parse("10.8.0.2"), 30);
        Assert.Equal(capacity, tunnel.QueueCapacity);
        // Outer packets built by an endpoint whose host keeps them, then handed to r2's tunnels in one go,
        // before its loop has delivered any of them.
        var outer = new OuterCapture();
        using var sender = new IpInIpTunnel(new IpInIpTunnelOptions { Local = R1Wan, Remote = R2Wan }, outer);
        for (ushort i = 0; i < 10; i++) sender.Send(TestPackets.Echo(Ipv4Address.Parse("10.8.0.1"), Ipv4Address.Parse("10.8.0.2"), i, 20));
        foreach (var packet in outer.Packets) Assert.True(net.Tunnels2.Table.Receive(packet));

        int kept = Math.Min(10, capacity);
        Assert.Equal(10 - kept, tunnel.Endpoint.Counters.Dropped(TunnelDropReason.QueueFull));
        net.Topology.Simulation.RunFor(TimeSpan.FromSeconds(1));
        // r2 answers every echo that reached it, back into the tunnel.
        Assert.Equal(kept, tunnel.Endpoint.Counters.PacketsOut);
    }

    [Fact]
    public void An_inbound_queue_of_no_packets_is_refused()
    {
        var net = new Pair();
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Tunnels2.InboundQueueCapacity = 0);
    }

    private sealed class OuterCapture : ITunnelHost
    {
        public List<byte[]> Packets { get; } = [];
        public void Transmit(ReadOnlySpan<byte> outerPacket) => Packets.Add(outerPacket.ToArray());
        public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload) { }
        public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) { }
        public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) { }
    }
}
