using NetMobility.Net;
using NetMobility.Wire;
using static NetMobility.Tests.Net.TwoRouters;

namespace NetMobility.Tests.Net;

public class ForwardingTests
{
    [Fact]
    public void A_ping_crosses_two_routers_and_each_hop_takes_one_from_the_ttl()
    {
        var net = new TwoRouters();
        var ttlsAtH2 = new List<byte>();
        net.H2.AddHook((_, p) => { ttlsAtH2.Add(p.TimeToLive); return false; });

        Assert.True(net.Host1.Ping(H2Address, 1));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        var reply = Assert.Single(net.Host1.Replies);
        Assert.Equal(H2Address, reply.From);
        Assert.Equal([62], ttlsAtH2);
        Assert.Equal(2, net.R1.Counters.PacketsForwarded);
        Assert.Equal(2, net.R2.Counters.PacketsForwarded);
        Assert.Equal(0, net.R1.Counters.TotalDrops + net.R2.Counters.TotalDrops);
        Assert.Equal(1, net.H2.Counters.EchoRepliesSent);
    }

    [Fact]
    public void TTL_expiry_is_answered_with_time_exceeded_from_the_router_s_facing_interface()
    {
        var net = new TwoRouters();
        Assert.True(net.Host1.Ping(H2Address, 1, timeToLive: 1));
        Assert.True(net.Host1.Ping(H2Address, 2, timeToLive: 2));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Empty(net.Host1.Replies);
        Assert.Equal(2, net.Host1.Errors.Count);
        Assert.All(net.Host1.Errors, e => Assert.Equal((Icmpv4Type.TimeExceeded, (byte)0, H2Address), (e.Type, e.Code, e.QuotedDestination)));
        Assert.Equal([Ipv4Address.Parse("10.1.0.1"), Ipv4Address.Parse("192.0.2.2")], net.Host1.Errors.Select(e => e.From));
        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.TtlExpired));
        Assert.Equal(1, net.R2.Counters.Drops(NodeDrop.TtlExpired));
    }

    [Fact]
    public void No_route_is_answered_with_net_unreachable()
    {
        var net = new TwoRouters();
        var nowhere = Ipv4Address.Parse("203.0.113.9");
        net.Host1.Ping(nowhere, 1);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        var error = Assert.Single(net.Host1.Errors);
        Assert.Equal((Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Network, nowhere), (error.Type, error.Code, error.QuotedDestination));
        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.NoRoute));
    }

    [Fact]
    public void An_unresolvable_next_hop_is_answered_with_host_unreachable_after_the_retries()
    {
        var net = new TwoRouters();
        var absent = Ipv4Address.Parse("10.2.0.77");
        net.Host1.Ping(absent, 1);
        net.Sim.RunFor(TimeSpan.FromSeconds(2.9));
        Assert.Empty(net.Host1.Errors);
        net.Sim.RunFor(TimeSpan.FromSeconds(0.2));
        var error = Assert.Single(net.Host1.Errors);
        Assert.Equal((Icmpv4UnreachableCode.Host, Ipv4Address.Parse("192.0.2.2")), ((Icmpv4UnreachableCode)error.Code, error.From));
        Assert.Equal(1, net.R2.Counters.Drops(NodeDrop.ArpUnresolved));
    }

    [Fact]
    public void A_DF_packet_too_big_for_the_next_hop_gets_fragmentation_needed_with_that_mtu()
    {
        var net = new TwoRouters(wanMtu: 1000);
        Assert.True(net.Host1.Ping(H2Address, 1, dataLength: 1200, dontFragment: true));
        Assert.True(net.Host1.Ping(H2Address, 2, dataLength: 1000 - 28, dontFragment: true)); // exactly fits
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        var error = Assert.Single(net.Host1.Errors);
        Assert.Equal(Icmpv4Type.DestinationUnreachable, error.Type);
        Assert.Equal((byte)Icmpv4UnreachableCode.FragmentationNeeded, error.Code);
        Assert.Equal(1000, error.NextHopMtu);
        Assert.Equal(Ipv4Address.Parse("10.1.0.1"), error.From);
        Assert.Equal([2], net.Host1.Replies.Select(r => (int)r.Sequence));
        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.FragmentationNeeded));
    }

    [Fact]
    public void A_packet_without_DF_is_fragmented_and_reassembled_at_the_destination()
    {
        var net = new TwoRouters(wanMtu: 576);
        Assert.True(net.Host1.Ping(H2Address, 1, dataLength: 1400));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal([1], net.Host1.Replies.Select(r => (int)r.Sequence));
        // 1428 bytes over a 576-byte MTU: 552 + 552 + 304 of payload, in each direction.
        Assert.Equal(3, net.R1.FragmentsCreated);
        Assert.Equal(3, net.R2.FragmentsCreated);
        Assert.Equal(1, net.H2.Counters.DatagramsReassembled);
        Assert.Equal(1, net.H1.Counters.DatagramsReassembled);
        Assert.Equal(0, net.H2.ReassembliesInProgress);
    }

    [Fact]
    public void A_datagram_missing_a_fragment_times_out_with_an_error_to_its_source()
    {
        var net = new TwoRouters(wanMtu: 576);
        int seen = 0;
        // Lose the second fragment on its way into h2.
        net.H2.AddHook((_, p) => p.IsFragment && p.FragmentOffset != 0 && p.MoreFragments && ++seen == 1);
        net.Host1.Ping(H2Address, 1, dataLength: 1400);
        net.Sim.RunFor(TimeSpan.FromSeconds(29));
        Assert.Equal(1, net.H2.ReassembliesInProgress);
        net.Sim.RunFor(TimeSpan.FromSeconds(2));

        Assert.Equal(0, net.H2.ReassembliesInProgress);
        Assert.Equal(1, net.H2.Counters.Drops(NodeDrop.ReassemblyTimeout));
        var error = Assert.Single(net.Host1.Errors);
        Assert.Equal((Icmpv4Type.TimeExceeded, (byte)Icmpv4TimeExceededCode.FragmentReassemblyTimeExceeded, H2Address),
            (error.Type, error.Code, error.From));
    }

    [Fact]
    public void The_ingress_filter_drops_sources_that_do_not_route_back_through_the_arrival_interface()
    {
        var net = new TwoRouters();
        net.R1Lan.IngressFilter = true;
        var spoofed = new Ipv4Header(Ipv4Address.Parse("10.2.0.99"), H2Address, IpProtocol.Udp, 0);
        Assert.True(net.H1.SendUdp(spoofed.Source, H2Address, 1000, 2000, new byte[8]));
        net.Host1.Ping(H2Address, 1);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.IngressFiltered));
        Assert.Single(net.Host1.Replies); // the honest packet passes
        Assert.Equal(0, net.H2.Counters.Drops(NodeDrop.NoUdpListener));
    }

    [Fact]
    public void Hosts_answer_unknown_protocols_and_closed_ports_with_unreachables()
    {
        var net = new TwoRouters();
        Assert.True(net.H1.SendUdp(Ipv4Address.Any, H2Address, 5000, 9, "hello"u8));
        Assert.True(net.H1.SendIp(new Ipv4Header(Ipv4Address.Any, H2Address, (IpProtocol)253, 0), [1, 2, 3, 4]));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal([Icmpv4UnreachableCode.Port, Icmpv4UnreachableCode.Protocol], net.Host1.Errors.Select(e => (Icmpv4UnreachableCode)e.Code));
        Assert.All(net.Host1.Errors, e => Assert.Equal(H2Address, e.From));
        Assert.Equal(1, net.H2.Counters.Drops(NodeDrop.NoUdpListener));
        Assert.Equal(1, net.H2.Counters.Drops(NodeDrop.NoProtocolHandler));
    }

    [Fact]
    public void Udp_listeners_get_their_port_s_datagrams()
    {
        var net = new TwoRouters();
        var got = new List<(ushort Source, string Text, Ipv4Address From)>();
        net.H2.SetUdpListener(434, (_, ip, udp) => got.Add((udp.SourcePort, System.Text.Encoding.ASCII.GetString(udp.Payload), ip.Source)));
        Assert.True(net.H1.SendUdp(Ipv4Address.Any, H2Address, 434, 434, "registration"u8, timeToLive: 255));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Equal([((ushort)434, "registration", H1Address)], got);
        Assert.Empty(net.Host1.Errors);
    }

    [Fact]
    public void ICMP_errors_are_rate_limited()
    {
        var net = new TwoRouters(routerOptions: new NodeOptions { IcmpErrorsPerSecond = 2, IcmpErrorBurst = 2 });
        for (ushort i = 0; i < 5; i++) net.Host1.Ping(H2Address, i, timeToLive: 1);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, net.Host1.Errors.Count);
        Assert.Equal(3, net.R1.Counters.IcmpErrorsSuppressed);

        net.Sim.RunFor(TimeSpan.FromSeconds(1));
        for (ushort i = 5; i < 10; i++) net.Host1.Ping(H2Address, i, timeToLive: 1);
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4, net.Host1.Errors.Count);
    }

    [Fact]
    public void A_host_does_not_forward_and_a_router_does_not_forward_link_broadcasts()
    {
        var net = new TwoRouters();
        // h1 takes a packet for h2 that was framed to it: hosts drop it.
        var strayToHost = Frame(net.H1Lan.Mac, net.R1Lan.Mac, new Ipv4Header(Ipv4Address.Parse("10.1.0.1"), H2Address, IpProtocol.Udp, 8));
        Assert.True(net.R1Lan.Link!.Send(strayToHost));
        // A unicast IP packet in a broadcast frame reaches r1, which must not forward it (RFC 1812 sec 5.3.4).
        var broadcastFrame = Frame(MacAddress.Broadcast, net.H1Lan.Mac, new Ipv4Header(H1Address, H2Address, IpProtocol.Udp, 8));
        Assert.True(net.H1Lan.Link!.Send(broadcastFrame));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, net.H1.Counters.Drops(NodeDrop.NotForwarding));
        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.LinkBroadcast));
        Assert.Equal(0, net.R1.Counters.PacketsForwarded);
    }

    [Fact]
    public void Corrupt_and_martian_packets_are_dropped_and_counted()
    {
        var net = new TwoRouters();
        var good = Frame(net.R1Lan.Mac, net.H1Lan.Mac, new Ipv4Header(H1Address, H2Address, IpProtocol.Udp, 8));
        var badChecksum = (byte[])good.Clone();
        badChecksum[14 + 10] ^= 0xFF;
        var martian = Frame(net.R1Lan.Mac, net.H1Lan.Mac, new Ipv4Header(Ipv4Address.Parse("127.0.0.1"), H2Address, IpProtocol.Udp, 8));
        var truncated = good.AsSpan(0, 14 + 19).ToArray();
        foreach (var frame in new[] { badChecksum, martian, truncated }) Assert.True(net.H1Lan.Link!.Send(frame));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.BadChecksum));
        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.MartianSource));
        Assert.Equal(1, net.R1.Counters.Drops(NodeDrop.MalformedIp));
        Assert.Equal(0, net.R1.Counters.PacketsForwarded);
    }

    /// <summary>An Ethernet frame carrying an IPv4 header and a zeroed payload of the header's length.</summary>
    private static byte[] Frame(MacAddress destination, MacAddress source, Ipv4Header header)
    {
        var frame = new byte[14 + header.BufferLength];
        new EthernetHeader(destination, source, EtherType.Ipv4).Emit(frame);
        header.Emit(frame.AsSpan(14));
        return frame;
    }
}
