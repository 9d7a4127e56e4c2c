using NetMobility.Net;
using NetMobility.Testbed;
using NetMobility.Wire;

namespace NetMobility.Tests.Testbed;

/// <summary>The in-memory NAPT router: address and port rewriting both ways, checksums kept valid, idle timeouts on the virtual clock.</summary>
public class NatRouterTests
{
    private static readonly Ipv4Address Inside = Ipv4Address.Parse("172.16.0.2");
    private static readonly Ipv4Address Outside = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("198.51.100.10");

    private sealed class Lab
    {
        public Lab(NatOptions? options = null)
        {
            Net = new Topology();
            InsideHost = Net.AddHost("inside");
            NatNode = Net.AddRouter("nat");
            ServerNode = Net.AddHost("server");
            var (_, natInside) = Net.Connect(InsideHost, "172.16.0.2/24", NatNode, "172.16.0.1/24");
            var (natOutside, _) = Net.Connect(NatNode, "192.0.2.1/24", ServerNode, "198.51.100.10/8");
            InsideHost.SetDefaultRoute(Ipv4Address.Parse("172.16.0.1"));
            ServerNode.AddRoute(Ipv4Prefix.Parse("192.0.2.0/24"), ServerNode.Interfaces[0]);
            NatNode.AddRoute(Ipv4Prefix.Parse("198.51.100.0/24"), natOutside);
            Nat = new NatRouter(NatNode, natInside, natOutside, Net.Simulation.Clock, options);
            // The server echoes every datagram to port 7 back to where it came from (RFC 862).
            ServerNode.SetUdpListener(7, (_, ip, udp) =>
            {
                ServerSaw.Add((ip.Source, udp.SourcePort));
                ServerNode.SendUdp(ip.Destination, ip.Source, 7, udp.SourcePort, udp.Payload);
            });
            InsideHost.SetUdpListener(5000, (_, ip, udp) => InsideGot.Add((ip.Source, udp.Payload.ToArray())));
        }

        public Topology Net { get; }
        public Node InsideHost { get; }
        public Node NatNode { get; }
        public Node ServerNode { get; }
        public NatRouter Nat { get; }
        public List<(Ipv4Address, ushort)> ServerSaw { get; } = [];
        public List<(Ipv4Address, byte[])> InsideGot { get; } = [];

        public void Send(byte tag)
        {
            InsideHost.SendUdp(Inside, Server, 5000, 7, [tag]);
            Net.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
        }

        /// <summary>The server sends to the outside address and port the NAT gave the inside host, as a peer holding that mapping does.</summary>
        public void ServerSendsUnasked(ushort port, byte tag)
        {
            ServerNode.SendUdp(Server, Outside, 7, port, [tag]);
            Net.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public void Udp_leaves_with_the_outside_address_and_a_port_of_the_nats_and_the_answer_comes_back_translated()
    {
        var lab = new Lab();
        lab.Send(1);
        var (seenAddress, seenPort) = Assert.Single(lab.ServerSaw);
        Assert.Equal(Outside, seenAddress);
        Assert.Equal(49152, seenPort);
        // The echo came back through the NAT to 172.16.0.2:5000, its UDP checksum good (the node drops a bad one).
        var (from, payload) = Assert.Single(lab.InsideGot);
        Assert.Equal(Server, from);
        Assert.Equal([1], payload);
        Assert.Equal(2, lab.Nat.Translated);
        Assert.Equal(0, lab.InsideHost.Counters.TotalDrops);

        // The same inside address and port keep their outside port (endpoint-independent mapping, RFC 4787 sec 4.1).
        lab.Send(2);
        Assert.Equal(2, lab.ServerSaw.Count(s => s == (Outside, (ushort)49152)));
        Assert.Equal(1, lab.Nat.MappingsCreated);
    }

    [Fact]
    public void Outbound_packets_keep_a_udp_mapping_past_its_idle_timeout_and_without_them_it_expires()
    {
        var lab = new Lab();
        lab.Send(1);
        // A keepalive every 110 s (RFC 3519 sec 4.9's default interval) against the 120 s of RFC 4787 REQ-5.
        for (int i = 0; i < 5; i++)
        {
            lab.Net.Simulation.RunFor(TimeSpan.FromSeconds(110));
            lab.Send((byte)(10 + i));
        }
        Assert.True(lab.Nat.TryGetMapping(IpProtocol.Udp, Inside, 5000, out ushort port));
        Assert.Equal(49152, port);
        lab.ServerSendsUnasked(port, 99);
        Assert.Equal(99, lab.InsideGot[^1].Item2[0]);
        Assert.Equal(0, lab.Nat.MappingsExpired);

        // Silence from inside: inbound traffic does not refresh it (RFC 4787 REQ-6), and after 120 s it is gone.
        lab.Net.Simulation.RunFor(TimeSpan.FromSeconds(100));
        lab.ServerSendsUnasked(port, 100);
        Assert.Equal(100, lab.InsideGot[^1].Item2[0]);
        lab.Net.Simulation.RunFor(TimeSpan.FromSeconds(20));
        int before = lab.InsideGot.Count;
        lab.ServerSendsUnasked(port, 101);
        Assert.Equal(before, lab.InsideGot.Count);
        Assert.Equal(1, lab.Nat.InboundUnmapped);
        Assert.Equal(1, lab.Nat.MappingsExpired);
        Assert.False(lab.Nat.TryGetMapping(IpProtocol.Udp, Inside, 5000, out _));

        // The next outbound packet makes a new mapping with another port: a peer holding the old one has lost the host.
        lab.Send(3);
        Assert.Equal((Outside, (ushort)49153), lab.ServerSaw[^1]);
    }

    [Fact]
    public void Tcp_segments_are_translated_with_valid_checksums_both_ways()
    {
        var lab = new Lab();
        var inside = new TestHost(lab.InsideHost);
        var server = new TestHost(lab.ServerNode);
        var atServer = server.Listen(80);
        var atInside = inside.Listen(40000);
        inside.SendNumbered(Server, 80, 5, sourcePort: 40000);
        lab.Net.Simulation.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(atServer.IsCompleteAndInOrder(5, 100));
        Assert.Equal(Outside, atServer.LastSource);
        Assert.True(lab.Nat.TryGetMapping(IpProtocol.Tcp, Inside, 40000, out ushort port));
        server.SendNumbered(Outside, port, 5, sourcePort: 80);
        lab.Net.Simulation.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(atInside.IsCompleteAndInOrder(5, 100));
        Assert.Equal(0, inside.SegmentsRefused);
        Assert.Equal(0, server.SegmentsRefused);
    }
}
