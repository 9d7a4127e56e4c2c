using System.Buffers.Binary;
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
            Topology = new Topology();
            InsideHost = Topology.AddHost("inside");
            NatNode = Topology.AddRouter("nat");
            ServerNode = Topology.AddHost("server");
            var (_, natInside) = Topology.Connect(InsideHost, "172.16.0.2/24", NatNode, "172.16.0.1/24");
            var (natOutside, _) = Topology.Connect(NatNode, "192.0.2.1/24", ServerNode, "198.51.100.10/8");
            InsideHost.SetDefaultRoute(Ipv4Address.Parse("172.16.0.1"));
            ServerNode.AddRoute(Ipv4Prefix.Parse("192.0.2.0/24"), ServerNode.Interfaces[0]);
            NatNode.AddRoute(Ipv4Prefix.Parse("198.51.100.0/24"), natOutside);
            Nat = new NatRouter(NatNode, natInside, natOutside, Topology.Simulation.Clock, options);
            // The server echoes every datagram to port 7 back to where it came from (RFC 862).
            ServerNode.SetUdpListener(7, (_, ip, udp) =>
            {
                ServerSaw.Add((ip.Source, udp.SourcePort));
                ServerNode.SendUdp(ip.Destination, ip.Source, 7, udp.SourcePort, udp.Payload);
            });
            InsideHost.SetUdpListener(5000, (_, ip, udp) => InsideGot.Add((ip.Source, udp.Payload.ToArray())));
        }

        public Topology Topology { get; }
        public Node InsideHost { get; }
        public Node NatNode { get; }
        public Node ServerNode { get; }
        public NatRouter Nat { get; }
        public List<(Ipv4Address, ushort)> ServerSaw { get; } = [];
        public List<(Ipv4Address, byte[])> InsideGot { get; } = [];

        public void Send(byte tag)
        {
            InsideHost.SendUdp(Inside, Server, 5000, 7, [tag]);
            Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
        }

        /// <summary>The server sends to the outside address and port the NAT gave the inside host, as a peer holding that mapping does.</summary>
        public void ServerSendsUnasked(ushort port, byte tag)
        {
            ServerNode.SendUdp(Server, Outside, 7, port, [tag]);
            Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
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
            lab.Topology.Simulation.RunFor(TimeSpan.FromSeconds(110));
            lab.Send((byte)(10 + i));
        }
        Assert.True(lab.Nat.TryGetMapping(IpProtocol.Udp, Inside, 5000, out ushort port));
        Assert.Equal(49152, port);
        lab.ServerSendsUnasked(port, 99);
        Assert.Equal(99, lab.InsideGot[^1].Item2[0]);
        Assert.Equal(0, lab.Nat.MappingsExpired);

        // Silence from inside: inbound traffic does not refresh it (RFC 4787 REQ-6), and after 120 s it is gone.
        lab.Topology.Simulation.RunFor(TimeSpan.FromSeconds(100));
        lab.ServerSendsUnasked(port, 100);
        Assert.Equal(100, lab.InsideGot[^1].Item2[0]);
        lab.Topology.Simulation.RunFor(TimeSpan.FromSeconds(20));
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
        lab.Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(atServer.IsCompleteAndInOrder(5, 100));
        Assert.Equal(Outside, atServer.LastSource);
        Assert.True(lab.Nat.TryGetMapping(IpProtocol.Tcp, Inside, 40000, out ushort port));
        server.SendNumbered(Outside, port, 5, sourcePort: 80);
        lab.Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(atInside.IsCompleteAndInOrder(5, 100));
        Assert.Equal(0, inside.SegmentsRefused);
        Assert.Equal(0, server.SegmentsRefused);
    }
    [Fact]
    public void Rfc5508_req_4_an_icmp_error_about_a_mapped_packet_reaches_the_inside_host_with_the_quote_put_back()
    {
        var lab = new Lab();
        var errors = new List<byte[]>();
        lab.InsideHost.AddHook((_, ip) =>
        {
            if (ip.Protocol == IpProtocol.Icmp) errors.Add(ip.Buffer.ToArray());
            return false;
        });
        // Nothing listens on the server's port 9: it answers port unreachable to the NAT's outside address and port.
        lab.InsideHost.SendUdp(Inside, Server, 5000, 9, [1, 2, 3]);
        lab.Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(50));

        var error = Assert.Single(errors);
        Assert.True(Ipv4Packet.TryCreate(error, ChecksumPolicy.Verify, out var ip, out _), "outer header checksum");
        Assert.Equal(Inside, ip.Destination);
        Assert.Equal(Server, ip.Source);
        Assert.True(Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out var icmp, out _), "ICMP checksum");
        Assert.Equal(Icmpv4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)Icmpv4UnreachableCode.Port, icmp.Code);
        Assert.True(icmp.TryGetQuotedDatagram(out var quoted, out _));
        // The quoted packet is the one the inside host sent: its address, its port, its checksums good again.
        Assert.Equal(Inside, quoted.Source);
        Assert.Equal(Server, quoted.Destination);
        Assert.True(Ipv4Packet.TryCreate(quoted.Buffer, ChecksumPolicy.Verify, out _, out _), "quoted header checksum");
        Assert.True(UdpDatagram.TryCreate(quoted.Payload, quoted.Source, quoted.Destination, ChecksumPolicy.Verify, out var udp, out _), "quoted UDP checksum");
        Assert.Equal(5000, udp.SourcePort);
        Assert.Equal(9, udp.DestinationPort);
        Assert.Equal(1, lab.Nat.IcmpErrorsTranslated);
    }

    [Fact]
    public void Rfc5508_req_4_an_icmp_error_about_no_mapping_is_dropped()
    {
        var lab = new Lab();
        int icmpAtInside = 0;
        lab.InsideHost.AddHook((_, ip) =>
        {
            if (ip.Protocol == IpProtocol.Icmp) icmpAtInside++;
            return false;
        });
        lab.Send(1);
        // A port unreachable quoting a datagram from an outside port the NAT never handed out.
        var offending = new byte[28];
        new Ipv4Header(Outside, Server, IpProtocol.Udp, 8, 64, 1).Emit(offending);
        new UdpHeader(50000, 9, 0).Emit(offending.AsSpan(20), Outside, Server);
        Assert.True(Ipv4Packet.TryCreate(offending, ChecksumPolicy.None, out var packet, out _));
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, Server, packet, Icmpv4UnreachableCode.Port, 0);
        lab.ServerNode.SendIp(buffer.AsSpan(0, length));
        lab.Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, icmpAtInside);
        Assert.Equal(0, lab.Nat.IcmpErrorsTranslated);
        Assert.Equal(1, lab.Nat.InboundUnmapped);
    }

    /// <summary>
    /// RFC 5508 sec 4.2 from the private realm: the inside host answers a datagram that came in through its mapping with
    /// a port unreachable (nothing listens on its port 5001). The error leaves with the NAT's outside address as source,
    /// quoting the datagram as the server sent it: to the outside address and port, checksums good.
    /// </summary>
    [Fact]
    public void Rfc5508_an_icmp_error_from_inside_about_a_mapped_packet_leaves_as_the_outside_saw_that_packet()
    {
        var lab = new Lab();
        var errors = new List<byte[]>();
        lab.ServerNode.AddHook((_, ip) =>
        {
            if (ip.Protocol == IpProtocol.Icmp) errors.Add(ip.Buffer.ToArray());
            return false;
        });
        // The server echoes it back to the mapping of port 5001, where nothing listens.
        lab.InsideHost.SendUdp(Inside, Server, 5001, 7, [1, 2, 3]);
        lab.Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
        Assert.True(lab.Nat.TryGetMapping(IpProtocol.Udp, Inside, 5001, out ushort mapped));

        var error = Assert.Single(errors);
        Assert.True(Ipv4Packet.TryCreate(error, ChecksumPolicy.Verify, out var ip, out _), "outer header checksum");
        Assert.Equal(Outside, ip.Source);
        Assert.Equal(Server, ip.Destination);
        Assert.True(Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out var icmp, out _), "ICMP checksum");
        Assert.Equal(Icmpv4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)Icmpv4UnreachableCode.Port, icmp.Code);
        Assert.True(icmp.TryGetQuotedDatagram(out var quoted, out _));
        Assert.Equal(Server, quoted.Source);
        Assert.Equal(Outside, quoted.Destination);
        Assert.True(Ipv4Packet.TryCreate(quoted.Buffer, ChecksumPolicy.Verify, out _, out _), "quoted header checksum");
        Assert.True(UdpDatagram.TryCreate(quoted.Payload, quoted.Source, quoted.Destination, ChecksumPolicy.Verify, out var udp, out _), "quoted UDP checksum");
        Assert.Equal(7, udp.SourcePort);
        Assert.Equal(mapped, udp.DestinationPort);
        Assert.Equal(1, lab.Nat.OutboundIcmpErrorsTranslated);
        Assert.Equal(0, lab.Nat.OutboundIcmpErrorsUnmapped);
    }

    /// <summary>
    /// An error from inside about a packet no mapping brought in is dropped: it would tell the outside about a private
    /// address. So is one whose quoted IPv4 header checksum fails (RFC 5508 REQ-3 a), even about a mapped packet.
    /// </summary>
    [Fact]
    public void Rfc5508_an_icmp_error_from_inside_about_no_mapping_or_with_a_broken_quote_is_dropped()
    {
        var lab = new Lab();
        int icmpAtServer = 0;
        lab.ServerNode.AddHook((_, ip) =>
        {
            if (ip.Protocol == IpProtocol.Icmp) icmpAtServer++;
            return false;
        });
        lab.Send(1); // maps 172.16.0.2:5000

        foreach (var (port, breakQuote) in new[] { ((ushort)6000, false), ((ushort)5000, true) })
        {
            var offending = new byte[28];
            new Ipv4Header(Server, Inside, IpProtocol.Udp, 8, 60, 1).Emit(offending);
            new UdpHeader(7, port, 0).Emit(offending.AsSpan(20), Server, Inside);
            Assert.True(Ipv4Packet.TryCreate(offending, ChecksumPolicy.None, out var packet, out _));
            var buffer = new byte[Icmpv4Error.MaxDatagramLength];
            int length = Icmpv4Error.EmitDestinationUnreachable(buffer, Inside, packet, Icmpv4UnreachableCode.Port, 0);
            if (breakQuote)
            {
                // The quoted header's TTL changed after its checksum was made; the ICMP checksum made good again.
                buffer[20 + 8 + 8] ^= 0x01;
                buffer[22] = buffer[23] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(22), InternetChecksum.Compute(buffer.AsSpan(20, length - 20)));
            }
            lab.InsideHost.SendIp(buffer.AsSpan(0, length));
            lab.Topology.Simulation.RunFor(TimeSpan.FromMilliseconds(50));
        }
        Assert.Equal(0, icmpAtServer);
        Assert.Equal(0, lab.Nat.OutboundIcmpErrorsTranslated);
        Assert.Equal(1, lab.Nat.OutboundIcmpErrorsUnmapped);
    }
}
