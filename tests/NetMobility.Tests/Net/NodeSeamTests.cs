using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Wire;
using static NetMobility.Tests.Net.TwoRouters;

namespace NetMobility.Tests.Net;

/// <summary>The places other layers plug into a node: datagram links (tunnels), hooks, promiscuous interfaces, raw frames.</summary>
public class NodeSeamTests
{
    /// <summary>Two datagram-link ends joined through the event loop, as a tunnel's endpoints are through their underlay.</summary>
    private sealed class DatagramPipe
    {
        public DatagramPipe(EventLoop loop, int mtu)
        {
            A = new End(loop, "pipe.a", mtu);
            B = new End(loop, "pipe.b", mtu);
            A.Peer = B;
            B.Peer = A;
        }

        public End A { get; }
        public End B { get; }

        public sealed class End(EventLoop loop, string name, int mtu) : IPacketLink
        {
            public string Name => name;
            public int Mtu => mtu;
            public bool IsUp { get; set; } = true;
            public PacketReceiver? Receiver { get; set; }
            public End Peer { get; set; } = null!;
            public int Sent { get; private set; }

            public bool Send(ReadOnlySpan<byte> packet)
            {
                if (!IsUp || packet.Length > mtu) return false;
                var copy = packet.ToArray();
                Sent++;
                loop.Post(() => Peer.Receiver?.Invoke(copy));
                return true;
            }
        }
    }

    private static TwoRouters TunnelledRouters(int tunnelMtu, out DatagramPipe pipe)
    {
        var net = new TwoRouters();
        pipe = new DatagramPipe(net.Sim.Loop, tunnelMtu);
        var t1 = net.R1.AddInterface(pipe.A, Ipv4Address.Parse("172.16.0.1"), 30);
        net.R2.AddInterface(pipe.B, Ipv4Address.Parse("172.16.0.2"), 30);
        net.R1.AddRoute(Ipv4Prefix.Parse("10.2.0.0/24"), t1, Ipv4Address.Parse("172.16.0.2"));
        net.R2.AddRoute(Ipv4Prefix.Parse("10.1.0.0/24"), Ipv4Address.Parse("172.16.0.1"));
        return net;
    }

    [Fact]
    public void A_datagram_link_carries_routed_traffic_like_any_interface()
    {
        var net = TunnelledRouters(1400, out var pipe);
        var flow = net.Host2.Listen(7);
        net.Host1.Ping(H2Address, 1);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(10));
        net.Host1.SendNumbered(H2Address, 7, 50, payloadLength: 1000);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(10));

        Assert.Single(net.Host1.Replies);
        Assert.True(flow.IsCompleteAndInOrder(50, 1000));
        Assert.Equal(51, pipe.A.Sent);
        Assert.Equal(1, pipe.B.Sent);
        Assert.Equal(0, net.R1Wan.Link!.Counters.FramesSent); // the wire the tunnel replaced carried nothing
    }

    [Fact]
    public void A_datagram_link_s_mtu_is_enforced_like_any_other()
    {
        var net = TunnelledRouters(1000, out _);
        net.Host1.Ping(H2Address, 1, dataLength: 1200, dontFragment: true);
        net.Host1.Ping(H2Address, 2, dataLength: 1200);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(10));
        var error = Assert.Single(net.Host1.Errors);
        Assert.Equal(1000, error.NextHopMtu);
        Assert.Equal([2], net.Host1.Replies.Select(r => (int)r.Sequence));
        Assert.Equal(2, net.R1.FragmentsCreated);
    }

    [Fact]
    public void A_hook_on_a_router_takes_packets_before_forwarding_and_leaves_the_rest()
    {
        var net = new TwoRouters();
        var taken = new List<(string Interface, Ipv4Address Destination, byte Ttl)>();
        var bound = Ipv4Address.Parse("10.2.0.42");
        net.R1.AddHook((ingress, packet) =>
        {
            if (packet.Destination != bound) return false;
            taken.Add((ingress.Name, packet.Destination, packet.TimeToLive));
            return true;
        });
        net.Host1.Ping(bound, 1);
        net.Host1.Ping(H2Address, 2);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(10));

        Assert.Equal([("r1@lan1", bound, (byte)64)], taken); // seen as it arrived: TTL not yet decremented
        Assert.Equal([2], net.Host1.Replies.Select(r => (int)r.Sequence));
        Assert.Equal(1, net.R1.Counters.PacketsHooked);
        Assert.Empty(net.Host1.Errors);
    }

    [Fact]
    public void A_promiscuous_interface_takes_unicast_frames_for_any_address()
    {
        var topology = new Topology();
        var lan = topology.AddSegment("lan");
        var agent = topology.AddRouter("agent");
        var agentLan = topology.Attach(agent, lan, "10.0.0.1/24");
        var guestPort = lan.AddPort("guest", topology.NextMac());
        var guestGateway = topology.NextMac();
        var seen = new List<Ipv4Address>();
        agent.AddHook((_, packet) => { seen.Add(packet.Source); return true; });

        var frame = new byte[14 + 28];
        new EthernetHeader(guestGateway, guestPort.Mac, EtherType.Ipv4).Emit(frame);
        new Ipv4Header(Ipv4Address.Parse("10.9.0.5"), Ipv4Address.Parse("10.9.0.1"), IpProtocol.Udp, 8).Emit(frame.AsSpan(14));

        guestPort.Send(frame); // flooded (the gateway address is unknown), but not for the agent's address
        topology.Simulation.RunUntilIdle();
        Assert.Empty(seen);
        Assert.Equal(1, agent.Counters.Drops(NodeDrop.NotForThisHost));

        agentLan.Promiscuous = true;
        guestPort.Send(frame);
        topology.Simulation.RunUntilIdle();
        Assert.Equal([Ipv4Address.Parse("10.9.0.5")], seen);
    }

    [Fact]
    public void An_interface_sends_raw_frames_from_its_own_address()
    {
        var topology = new Topology();
        var lan = topology.AddSegment("lan");
        var node = topology.AddHost("n");
        var iface = topology.Attach(node, lan, "10.0.0.1/24");
        var sniffer = lan.AddPort("sniffer", topology.NextMac());
        var frames = new List<byte[]>();
        sniffer.Receiver = f => frames.Add(f.ToArray());

        Assert.True(iface.SendFrame(MacAddress.Broadcast, EtherType.Rarp, new byte[28]));
        topology.Simulation.RunUntilIdle();
        var frame = Assert.Single(frames);
        Assert.True(EthernetHeader.TryParse(frame, out var header, out _, out _));
        Assert.Equal(new EthernetHeader(MacAddress.Broadcast, iface.Mac, EtherType.Rarp), header);
        Assert.Equal(42, frame.Length);
    }
}
