using System.Buffers.Binary;
using NetMobility.Capture;
using NetMobility.Runtime;
using NetMobility.Tests.Interop;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>The Mobile IP UDP tunnel (RFC 3519 sec 3.3, 4.2, 4.9): IP in IP behind a UDP header and the tunnel data header.</summary>
public class UdpTunnelTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;

    // scapy 2.5: IP(src='192.0.2.1', dst='198.51.100.2', id=0, flags='DF', ttl=63, tos=0xb8)/UDP(sport=434, dport=434)
    //            /MobileIP(type=4)/MobileIPTunnelData(nexthdr=4)/Inner
    private static readonly byte[] ScapyOuter = Hex.Bytes("45b80047000040003f114eb7c0000201c633640201b201b200330be904040000" + Hex.Of(GreTunnelTests.Inner));

    private static UdpTunnelOptions Options(Ipv4Address local, Ipv4Address remote) => new() { Local = local, Remote = remote };

    [Fact]
    public void Encapsulates_exactly_as_scapy_does_and_decapsulates_back()
    {
        var sent = new RecordingHost();
        using var sender = new UdpTunnel(Options(A, B), sent);
        sender.Send(GreTunnelTests.Inner);
        Assert.Equal(Hex.Of(ScapyOuter), Hex.Of(Assert.Single(sent.Transmitted)));
        // RFC 3519 sec 4.2: 20 + 8 + 4 octets in front of the inner datagram.
        Assert.Equal(1468, sender.Mtu);

        var received = new RecordingHost();
        using var receiver = new UdpTunnel(Options(B, A), received);
        receiver.Receive(ScapyOuter);
        var (protocol, payload) = Assert.Single(received.Delivered);
        Assert.Equal(EtherType.Ipv4, protocol);
        Assert.Equal(Hex.Of(GreTunnelTests.Inner), Hex.Of(payload));
        Assert.Equal(IpProtocol.Udp, receiver.OuterProtocol);
        // The remote port, and above it the Next Header carried (IP in IP, 4).
        Assert.Equal(434u | 4u << 16, receiver.InputKey);
    }

    [Theory]
    [InlineData("from another port", TunnelDropReason.AddressMismatch)]
    [InlineData("to another port", TunnelDropReason.AddressMismatch)]
    [InlineData("gre behind the header", TunnelDropReason.UnknownProtocol)]
    [InlineData("registration reply", TunnelDropReason.Malformed)]
    [InlineData("udp checksum", TunnelDropReason.BadChecksum)]
    public void Bad_outer_packets_are_dropped_for_the_right_reason(string damage, TunnelDropReason reason)
    {
        var packet = ScapyOuter.ToArray();
        switch (damage)
        {
            case "from another port": BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 4500); break;
            case "to another port": BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 4500); break;
            case "gre behind the header": packet[29] = 47; break;
            case "registration reply": packet[28] = 3; break;
            case "udp checksum": packet[60] ^= 0xFF; break;
        }
        if (damage != "udp checksum") BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(26), 0); // no checksum: RFC 768 allows it over IPv4
        var host = new RecordingHost();
        using var receiver = new UdpTunnel(Options(B, A), host);
        receiver.Receive(packet);
        Assert.Empty(host.Delivered);
        Assert.Equal(1, receiver.Counters.Dropped(reason));
    }

    [Fact]
    public void Keepalives_go_out_an_interval_after_the_last_packet_sent_and_are_not_delivered_at_the_far_end()
    {
        var clock = new ManualTimeProvider();
        var sent = new RecordingHost();
        using var sender = new UdpTunnel(Options(A, B) with { KeepaliveInterval = TimeSpan.FromSeconds(110), LocalPort = 1024 }, sent, clock);
        clock.Advance(TimeSpan.FromSeconds(109));
        Assert.Empty(sent.Transmitted);
        clock.Advance(TimeSpan.FromSeconds(1));
        var keepalive = Assert.Single(sent.Transmitted);
        Assert.Equal(1, sender.KeepalivesSent);

        // Data at 150 s keeps the mapping as well as a keepalive would: the next keepalive is due at 260 s, not 220 s.
        clock.Advance(TimeSpan.FromSeconds(40));
        sender.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 8));
        clock.Advance(TimeSpan.FromSeconds(70));
        Assert.Equal(2, sent.Transmitted.Count);
        clock.Advance(TimeSpan.FromSeconds(110));
        Assert.Equal(3, sent.Transmitted.Count);
        Assert.Equal(2, sender.KeepalivesSent);

        // RFC 3519 sec 4.9: an ICMP echo request to the far end, in the tunnel, from the port the mapping is for.
        Assert.True(Ipv4Packet.TryCreate(keepalive, ChecksumPolicy.Verify, out var outer, out _));
        Assert.True(UdpDatagram.TryCreate(outer.Payload, A, B, ChecksumPolicy.Verify, out var udp, out _));
        Assert.Equal((1024, 434), (udp.SourcePort, udp.DestinationPort));
        Assert.True(TunnelDataPacket.TryCreate(udp.Payload, out var data, out _));
        Assert.Equal(IpProtocol.IpInIp, data.NextHeader);
        Assert.True(Ipv4Packet.TryCreate(data.Payload, ChecksumPolicy.Verify, out var inner, out _));
        Assert.Equal((A, B, IpProtocol.Icmp), (inner.Source, inner.Destination, inner.Protocol));
        Assert.True(Icmpv4Packet.TryCreate(inner.Payload, ChecksumPolicy.Verify, out var echo, out _));
        Assert.Equal(Icmpv4Type.EchoRequest, echo.Type);

        var received = new RecordingHost();
        using var receiver = new UdpTunnel(Options(B, A) with { RemotePort = 1024 }, received);
        receiver.Receive(keepalive);
        receiver.Receive(sent.Transmitted[1]);
        Assert.Equal(1, receiver.KeepalivesReceived);
        Assert.Single(received.Delivered);
    }

    [Fact]
    public void Tshark_reads_tunnel_data_and_keepalives_as_mobile_ip_with_nothing_malformed()
    {
        var host = new RecordingHost();
        using (var tunnel = new UdpTunnel(Options(A, B) with { LocalPort = 61000 }, host))
        {
            tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 7, 40));
            tunnel.SendKeepalive();
        }
        string path = Path.Combine(Directory.CreateTempSubdirectory("netmob-udp-tunnel-").FullName, "sent.pcap");
        using (var writer = PcapWriter.Create(path, LinkType.RawIpv4))
        {
            long t = 1_700_000_000_000_000_000;
            foreach (var p in host.Transmitted) writer.Write(t += 1_000_000, p);
        }
        var frames = Tshark.Fields(path, ["mip.type", "mip.nattt.nexthdr", "udp.srcport", "udp.checksum.status", "ip.src", "icmp.type", "icmp.seq", "_ws.malformed"]);
        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.Equal("4", f["mip.type"][0]));
        Assert.All(frames, f => Assert.Equal("4", f["mip.nattt.nexthdr"][0]));
        Assert.All(frames, f => Assert.Equal("61000", f["udp.srcport"][0]));
        Assert.All(frames, f => Assert.False(f.ContainsKey("_ws.malformed")));
        Assert.Equal("7", frames[0]["icmp.seq"][0]);
        Assert.Equal("8", frames[1]["icmp.type"][0]);
        Assert.Equal(["192.0.2.1", "192.0.2.1"], frames[1]["ip.src"]);
        Assert.Empty(Tshark.Problems(path));
    }
    [Fact]
    public void Datagram_too_big_quoting_the_outer_udp_header_lowers_that_tunnels_mtu_and_reaches_the_inner_sender()
    {
        // A home agent's two tunnels to one NAT address, one per mapping (port): the error goes to the one whose port it quotes.
        var table = new TunnelTable();
        var hostOne = new RecordingHost();
        var hostTwo = new RecordingHost();
        var clock = new ManualTimeProvider();
        using var one = new UdpTunnel(Options(A, B) with { RemotePort = 49152 }, hostOne, clock);
        using var two = new UdpTunnel(Options(A, B) with { RemotePort = 49153 }, hostTwo, clock);
        table.Add(one);
        table.Add(two);
        var big = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 1400 - 28, dontFragment: true);
        two.Send(big);
        Assert.True(Ipv4Packet.TryCreate(Assert.Single(hostTwo.Transmitted), ChecksumPolicy.None, out var outer, out _));
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, Ipv4Address.Parse("203.0.113.1"), outer, Icmpv4UnreachableCode.FragmentationNeeded, 1300);
        Assert.True(Ipv4Packet.TryCreate(buffer.AsSpan(0, length), ChecksumPolicy.Verify, out var error, out _));
        Assert.True(table.ReceiveError(error));

        // RFC 2003 sec 5.1 with RFC 3519 sec 4.2's 32 octets of encapsulation: 1300 - 32.
        Assert.Equal(1268, two.Mtu);
        Assert.Equal(1468, one.Mtu);
        var (relayed, mtu) = Assert.Single(hostTwo.TooBig);
        Assert.Equal(1268, mtu);
        Assert.Equal(Hex.Of(big.AsSpan(0, 28)), Hex.Of(relayed.AsSpan(0, 28)));
        Assert.Empty(hostOne.TooBig);
        Assert.Equal(1, two.Counters.IcmpErrorsRelayed);
        Assert.Equal(0, one.Counters.IcmpErrorsReceived);
    }

    [Fact]
    public void An_icmp_error_about_a_registration_on_the_tunnels_ports_is_not_the_tunnels()
    {
        var table = new TunnelTable();
        var host = new RecordingHost();
        using var tunnel = new UdpTunnel(Options(A, B), host, new ManualTimeProvider());
        table.Add(tunnel);
        // A registration request (type 1) from A:434 to B:434, and a host unreachable about it.
        var request = new byte[20 + 8 + 24];
        new Ipv4Header(A, B, IpProtocol.Udp, 8 + 24).Emit(request);
        new UdpHeader(434, 434, 24).Emit(request.AsSpan(20), A, B);
        request[28] = (byte)MobileIpMessageType.RegistrationRequest;
        Assert.True(Ipv4Packet.TryCreate(request, ChecksumPolicy.None, out var offending, out _));
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, Ipv4Address.Parse("203.0.113.1"), offending, Icmpv4UnreachableCode.Host, 0);
        Assert.True(Ipv4Packet.TryCreate(buffer.AsSpan(0, length), ChecksumPolicy.Verify, out var error, out _));
        Assert.False(table.ReceiveError(error)); // left to the node: a foreign agent answers its visitor with 81
        Assert.Equal(0, tunnel.Counters.IcmpErrorsReceived);
    }
    /// <summary>
    /// RFC 3519 sec 3.1.4, 3.3: one NAT mapping (address and port) may hold a UDP tunnel per carried kind (two visitors
    /// of one foreign agent, one asking for GRE), so the table keys a UDP tunnel by its remote port and Next Header: each
    /// packet goes to the tunnel that reads it, and an ICMP error to the one whose Next Header it quotes.
    /// </summary>
    [Fact]
    public void Rfc3519_two_udp_tunnels_on_one_mapping_carrying_different_kinds_each_take_their_own_packets_and_errors()
    {
        var table = new TunnelTable();
        var ipipHost = new RecordingHost();
        var greHost = new RecordingHost();
        var clock = new ManualTimeProvider();
        using var ipip = new UdpTunnel(Options(B, A), ipipHost, clock);
        using var gre = new UdpTunnel(Options(B, A) with { Carries = IpProtocol.Gre }, greHost, clock);
        table.Add(ipip);
        table.Add(gre);
        Assert.True(table.Receive(ScapyOuter));
        Assert.True(table.Receive(ScapyGreOuter));
        Assert.Single(ipipHost.Delivered);
        Assert.Single(greHost.Delivered);
        Assert.Equal(0, ipip.Counters.Dropped(TunnelDropReason.UnknownProtocol));
        Assert.Equal(0, gre.Counters.Dropped(TunnelDropReason.UnknownProtocol));

        // A datagram too big about the GRE tunnel's packet, quoting all of it: that tunnel's MTU, not the other's.
        var big = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 1400 - 28, dontFragment: true);
        gre.Send(big);
        Assert.True(Ipv4Packet.TryCreate(Assert.Single(greHost.Transmitted), ChecksumPolicy.None, out var outer, out _));
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, Ipv4Address.Parse("203.0.113.1"), outer, Icmpv4UnreachableCode.FragmentationNeeded, 1300);
        Assert.True(Ipv4Packet.TryCreate(buffer.AsSpan(0, length), ChecksumPolicy.Verify, out var error, out _));
        Assert.True(table.ReceiveError(error));
        Assert.Equal(1300 - 36, gre.Mtu);
        Assert.Equal(1468, ipip.Mtu);
    }

    // scapy 2.5: the same with MobileIPTunnelData(nexthdr=47)/GRE(proto=0x0800) in front of Inner.
    private static readonly byte[] ScapyGreOuter = Hex.Bytes("45b8004b000040003f114eb3c0000201c633640201b201b2003703b6042f000000000800" + Hex.Of(GreTunnelTests.Inner));

    /// <summary>RFC 3519 sec 3.3: Next Header 47, a GRE header (RFC 2784, protocol type IPv4) and the inner datagram; 36 octets in front of it.</summary>
    [Fact]
    public void Rfc3519_sec_3_3_gre_inside_the_udp_tunnel_is_encapsulated_as_scapy_does_and_decapsulated_back()
    {
        var sent = new RecordingHost();
        using var sender = new UdpTunnel(Options(A, B) with { Carries = IpProtocol.Gre }, sent);
        sender.Send(GreTunnelTests.Inner);
        Assert.Equal(Hex.Of(ScapyGreOuter), Hex.Of(Assert.Single(sent.Transmitted)));
        Assert.Equal(1464, sender.Mtu);

        var received = new RecordingHost();
        using var receiver = new UdpTunnel(Options(B, A) with { Carries = IpProtocol.Gre }, received);
        receiver.Receive(ScapyGreOuter);
        Assert.Equal(Hex.Of(GreTunnelTests.Inner), Hex.Of(Assert.Single(received.Delivered).Payload));

        // An IP in IP tunnel does not read GRE, and a GRE one does not read IP in IP: the ends agreed on one (sec 3.1.4).
        using var ipInIp = new UdpTunnel(Options(B, A), received);
        ipInIp.Receive(ScapyGreOuter);
        Assert.Equal(1, ipInIp.Counters.Dropped(TunnelDropReason.UnknownProtocol));
        receiver.Receive(ScapyOuter);
        Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.UnknownProtocol));
        Assert.Single(received.Delivered);

        // A GRE header that carries something other than IPv4 is malformed here.
        var wrongType = ScapyGreOuter.ToArray();
        wrongType[34] = 0x65;
        wrongType[35] = 0x58;
        BinaryPrimitives.WriteUInt16BigEndian(wrongType.AsSpan(26), 0); // no UDP checksum: RFC 768 allows it over IPv4
        receiver.Receive(wrongType);
        Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.Malformed));
        Assert.Single(received.Delivered);
    }

    // scapy 2.5: IP(src='192.0.2.1', dst='198.51.100.2', id=7, flags='DF', ttl=63, tos=0xb9)/UDP(sport=434, dport=434)
    //            /MobileIP(type=4)/MobileIPTunnelData(nexthdr=55)/Raw(forwarding header + Inner's ICMP), the forwarding
    //            header (protocol 1, S set, original destination 10.0.2.2, source 10.0.1.2) summed by scapy.utils.checksum.
    private static readonly byte[] ScapyMinimalOuter = Hex.Bytes(
        "45b9003f000740003f114eb7c0000201c633640201b201b2002b0bc6043700000180e77b0a0002020a000102080059e7000100016e65746d6f62696c697479");

    /// <summary>
    /// RFC 3519 sec 3.1.4 and 3.3 (Next Header 55) with RFC 2004 sec 3: the inner header becomes the outer one (TOS, ID,
    /// DF, TTL kept; protocol UDP, the tunnel's ends, total length), then UDP, the tunnel data header and a 12-octet minimal
    /// forwarding header (S set: a NAT rewrites the outer source) in front of the inner payload: 24 octets in all.
    /// </summary>
    [Fact]
    public void Rfc3519_sec_3_1_4_minimal_encapsulation_inside_the_udp_tunnel_is_encapsulated_as_scapy_does_and_decapsulated_back()
    {
        var sent = new RecordingHost();
        using var sender = new UdpTunnel(Options(A, B) with { Carries = IpProtocol.MinimalEncapsulation }, sent);
        sender.Send(GreTunnelTests.Inner);
        Assert.Equal(Hex.Of(ScapyMinimalOuter), Hex.Of(Assert.Single(sent.Transmitted)));
        Assert.Equal(1500 - 24, sender.Mtu);

        var received = new RecordingHost();
        using var receiver = new UdpTunnel(Options(B, A) with { Carries = IpProtocol.MinimalEncapsulation }, received);
        receiver.Receive(ScapyMinimalOuter);
        Assert.Equal(Hex.Of(GreTunnelTests.Inner), Hex.Of(Assert.Single(received.Delivered).Payload));
        Assert.Equal(434u | 55u << 16, receiver.InputKey);

        // The kinds do not read each other's packets (sec 3.1.4: the ends agreed on one).
        receiver.Receive(ScapyOuter);
        Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.UnknownProtocol));
        using var ipInIp = new UdpTunnel(Options(B, A), received);
        ipInIp.Receive(ScapyMinimalOuter);
        Assert.Equal(1, ipInIp.Counters.Dropped(TunnelDropReason.UnknownProtocol));
        Assert.Single(received.Delivered);
    }

    /// <summary>
    /// Through a NAT the outer source is the NAT's: the original source comes from the forwarding header. Without S the
    /// outer source stands in (RFC 2004 sec 3); a forwarding header whose checksum fails is dropped.
    /// </summary>
    [Fact]
    public void Minimal_encapsulation_inside_udp_restores_the_source_from_the_forwarding_header_and_checks_its_checksum()
    {
        var nat = Ipv4Address.Parse("203.0.113.9");
        var translated = ScapyMinimalOuter.ToArray();
        nat.Write(translated.AsSpan(12));
        Ipv4InPlace.RewriteChecksum(translated.AsSpan(0, 20));
        BinaryPrimitives.WriteUInt16BigEndian(translated.AsSpan(26), 0); // no UDP checksum: RFC 768 allows it over IPv4
        var received = new RecordingHost();
        using var receiver = new UdpTunnel(new UdpTunnelOptions { Local = B, Remote = nat, Carries = IpProtocol.MinimalEncapsulation }, received);
        receiver.Receive(translated);
        Assert.Equal(Hex.Of(GreTunnelTests.Inner), Hex.Of(Assert.Single(received.Delivered).Payload));

        var damaged = translated.ToArray();
        damaged[40] ^= 0x01; // the original destination, under the forwarding header's checksum
        receiver.Receive(damaged);
        Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.BadChecksum));
        Assert.Single(received.Delivered);
    }

    /// <summary>RFC 2004 sec 3: a fragment is never minimally encapsulated, and a packet over the MTU is not fragmented for it.</summary>
    [Fact]
    public void Minimal_encapsulation_inside_udp_refuses_fragments_and_reports_too_big_with_df()
    {
        var sent = new RecordingHost();
        using var sender = new UdpTunnel(Options(A, B) with { Carries = IpProtocol.MinimalEncapsulation, UnderlayMtu = 600 }, sent);
        sender.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 600, dontFragment: true));
        Assert.Equal(1, sender.Counters.Dropped(TunnelDropReason.TooBig));
        Assert.Equal(576, Assert.Single(sent.TooBig).Mtu);
        sender.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 2, 600));
        Assert.Equal(2, sender.Counters.Dropped(TunnelDropReason.TooBig));
        var fragment = GreTunnelTests.Inner.ToArray();
        fragment[6] = 0x20; // more fragments, DF clear
        Ipv4InPlace.RewriteChecksum(fragment.AsSpan(0, 20));
        sender.Send(fragment);
        Assert.Equal(1, sender.Counters.Dropped(TunnelDropReason.Unencapsulable));
        Assert.Empty(sent.Transmitted);
    }

    /// <summary>
    /// Keepalives (sec 4.9) ride the same encapsulation and are counted, not delivered, at the far end; tshark 4.0 reads the
    /// Next Header (55) but then dissects what follows as IPv4 whatever it says, so its one complaint is that.
    /// </summary>
    [Fact]
    public void Minimal_encapsulation_keepalives_reach_the_far_end_and_tshark_reads_next_header_55()
    {
        var host = new RecordingHost();
        using (var tunnel = new UdpTunnel(Options(A, B) with { LocalPort = 61000, Carries = IpProtocol.MinimalEncapsulation }, host))
        {
            tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 7, 40));
            tunnel.SendKeepalive();
        }
        var received = new RecordingHost();
        using (var receiver = new UdpTunnel(Options(B, A) with { RemotePort = 61000, Carries = IpProtocol.MinimalEncapsulation }, received))
        {
            foreach (var p in host.Transmitted) receiver.Receive(p);
            Assert.Equal(1, receiver.KeepalivesReceived);
        }
        Assert.Single(received.Delivered);

        string path = Path.Combine(Directory.CreateTempSubdirectory("netmob-udp-minimal-").FullName, "sent.pcap");
        using (var writer = PcapWriter.Create(path, LinkType.RawIpv4))
        {
            long t = 1_700_000_000_000_000_000;
            foreach (var p in host.Transmitted) writer.Write(t += 1_000_000, p);
        }
        var frames = Tshark.Fields(path, ["mip.type", "mip.nattt.nexthdr", "udp.srcport", "udp.checksum.status", "_ws.malformed"]);
        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.Equal("55", f["mip.nattt.nexthdr"][0]));
        Assert.All(frames, f => Assert.Equal("1", f["udp.checksum.status"][0]));
        Assert.All(frames, f => Assert.False(f.ContainsKey("_ws.malformed")));
        Assert.Equal(["1: Bogus IP version", "2: Bogus IP version"], Tshark.Problems(path));
    }

    /// <summary>
    /// RFC 2003 sec 5.1 through minimal encapsulation inside UDP: the quote holds the rewritten header, UDP, the tunnel data
    /// header and the forwarding header; the inner packet comes back from them as on decapsulation and reaches its sender,
    /// and the tunnel MTU is the router's less 24 octets of encapsulation.
    /// </summary>
    [Fact]
    public void Datagram_too_big_about_minimal_encapsulation_inside_udp_reaches_the_inner_sender_with_its_own_header()
    {
        var table = new TunnelTable();
        var host = new RecordingHost();
        using var tunnel = new UdpTunnel(Options(A, B) with { Carries = IpProtocol.MinimalEncapsulation }, host, new ManualTimeProvider());
        table.Add(tunnel);
        var big = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 1400 - 28, dontFragment: true);
        tunnel.Send(big);
        Assert.True(Ipv4Packet.TryCreate(Assert.Single(host.Transmitted), ChecksumPolicy.None, out var outer, out _));
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, Ipv4Address.Parse("203.0.113.1"), outer, Icmpv4UnreachableCode.FragmentationNeeded, 1300);
        Assert.True(Ipv4Packet.TryCreate(buffer.AsSpan(0, length), ChecksumPolicy.Verify, out var error, out _));
        Assert.True(table.ReceiveError(error));

        Assert.Equal(1300 - 24, tunnel.Mtu);
        var (relayed, mtu) = Assert.Single(host.TooBig);
        Assert.Equal(1276, mtu);
        Assert.Equal(Hex.Of(big.AsSpan(0, 28)), Hex.Of(relayed.AsSpan(0, 28)));
        Assert.Equal(1, tunnel.Counters.IcmpErrorsRelayed);
    }
}
