using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>
/// The MUST and MUST NOT rules of RFC 2003, RFC 2784 and RFC 1122 that every IPv4-carrying tunnel kind keeps, and
/// RFC 2003 sec 4's handling of ICMP errors from routers inside the tunnel. The replay cases ipip-rfc2003-rules,
/// gre-rfc2784-rules, gre-icmp-relay and ipip-icmp-relay (captures/replay/make_conformance.py) check the same
/// rules end to end against scapy-built captures.
/// </summary>
public class TunnelConformanceTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;
    private static readonly Ipv4Address Router = Ipv4Address.Parse("203.0.113.1");
    private static readonly Ipv4Address H1 = TestPackets.InnerSource;
    private static readonly Ipv4Address H2 = TestPackets.InnerDestination;

    public static TheoryData<string> Kinds() => ["gre", "ipip", "minimal"];

    private static ITunnelEndpoint Create(string kind, Ipv4Address local, Ipv4Address remote, ITunnelHost host, TimeProvider? time = null)
    {
        var tunnelKind = kind switch { "gre" => TunnelKind.Gre, "ipip" => TunnelKind.IpInIp, _ => TunnelKind.Minimal };
        return tunnelKind.CreateEndpoint(tunnelKind.DefaultOptions(new TunnelEnds(local, remote)), time ?? new ManualTimeProvider(), host);
    }

    /// <summary>Encapsulates <paramref name="inner"/> with a sender A -> B of <paramref name="kind"/>: the outer packet it transmits.</summary>
    private static byte[] Encapsulated(string kind, byte[] inner)
    {
        var host = new RecordingHost();
        using var sender = Create(kind, A, B, host);
        sender.Send(inner);
        return Assert.Single(host.Transmitted);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2003_sec_3_1_an_inner_packet_with_ttl_0_is_never_encapsulated(string kind)
    {
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host);
        tunnel.Send(TestPackets.Echo(H1, H2, 1, 20, ttl: 0));
        Assert.Empty(host.Transmitted);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.TtlZero));
        tunnel.Send(TestPackets.Echo(H1, H2, 2, 20, ttl: 1));
        Assert.Equal(1, Assert.Single(host.Transmitted)[8]); // outer TTL inherited, 1
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2003_sec_3_1_a_decapsulated_packet_with_ttl_0_is_discarded(string kind)
    {
        var outer = Encapsulated(kind, TestPackets.Echo(H1, H2, 1, 20, ttl: 7));
        // The inner TTL set to 0 after encapsulation, as a broken or hostile encapsulator would send it.
        // Minimal encapsulation rewrites the inner header into the outer one; the others put it after theirs.
        int innerOffset = kind == "minimal" ? 0 : outer.Length - 48;
        outer[innerOffset + 8] = 0;
        Ipv4InPlace.RewriteChecksum(outer.AsSpan(innerOffset));
        var host = new RecordingHost();
        using var receiver = Create(kind, B, A, host);
        receiver.Receive(outer);
        Assert.Empty(host.Delivered);
        Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.TtlZero));
    }

    [Fact]
    public void Rfc1122_sec_3_2_1_7_a_gretap_outer_packet_never_inherits_ttl_0()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(new GreTunnelOptions { Local = A, Remote = B, Mode = GreMode.Ethernet }, new ManualTimeProvider(), host);
        tunnel.Send(TestPackets.Frame(TestPackets.Echo(H1, H2, 1, 20, ttl: 0)));
        var outer = Assert.Single(host.Transmitted);
        Assert.Equal(64, outer[8]);
        Assert.True(Ipv4Packet.TryCreate(outer, ChecksumPolicy.Verify, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2784_sec_3_1_a_payload_for_the_tunnels_far_end_is_discarded(string kind)
    {
        // Sent B -> A, addressed to B: at A, B is the far end the packet came from.
        var host = new RecordingHost();
        using var sender = Create(kind, B, A, host);
        sender.Send(TestPackets.Echo(H2, B, 1, 20));
        var outer = Assert.Single(host.Transmitted);
        var received = new RecordingHost();
        using var receiver = Create(kind, A, B, received);
        receiver.Receive(outer);
        Assert.Empty(received.Delivered);
        Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.LoopingPayload));
    }

    [Theory]
    [InlineData("gre", true)]
    [InlineData("ipip", true)]
    [InlineData("minimal", false)] // RFC 2004 sec 3 provides for the encapsulator as original source (S clear)
    public void Rfc2003_sec_3_2_a_packet_from_the_exit_point_or_the_entry_address_is_not_tunnelled(string kind, bool entryRefused)
    {
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host);
        tunnel.Send(TestPackets.Echo(B, H2, 1, 20));
        Assert.Empty(host.Transmitted);
        tunnel.Send(TestPackets.Echo(A, H2, 2, 20));
        Assert.Equal(entryRefused ? 0 : 1, host.Transmitted.Count);
        Assert.Equal(entryRefused ? 2 : 1, tunnel.Counters.Dropped(TunnelDropReason.SourceIsTunnelEnd));
    }

    /// <summary>RFC 2003 sec 4.1's table, sec 4.2-4.5: which router errors reach the original sender, and as what.</summary>
    [Theory]
    [InlineData(Icmpv4Type.DestinationUnreachable, 0, true, Icmpv4UnreachableCode.Network)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 1, true, Icmpv4UnreachableCode.Host)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 2, true, Icmpv4UnreachableCode.Network)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 3, false, default(Icmpv4UnreachableCode))]
    [InlineData(Icmpv4Type.DestinationUnreachable, 4, true, Icmpv4UnreachableCode.FragmentationNeeded)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 5, false, default(Icmpv4UnreachableCode))]
    [InlineData(Icmpv4Type.SourceQuench, 0, false, default(Icmpv4UnreachableCode))]
    [InlineData(Icmpv4Type.Redirect, 1, false, default(Icmpv4UnreachableCode))]
    [InlineData(Icmpv4Type.TimeExceeded, 0, true, Icmpv4UnreachableCode.Host)]
    [InlineData(Icmpv4Type.ParameterProblem, 0, false, default(Icmpv4UnreachableCode))]
    public void Rfc2003_sec_4_1_maps_each_router_error_to_what_the_sender_is_told(Icmpv4Type type, byte code, bool relayed, Icmpv4UnreachableCode expected)
    {
        Assert.Equal(relayed, TunnelIcmpRelay.TryMap(type, code, out var got));
        if (relayed) Assert.Equal(expected, got);
    }

    /// <summary>An ICMP error from <see cref="Router"/> to A about <paramref name="outer"/>, quoting as much as fits 576 bytes or <paramref name="quote"/>.</summary>
    private static (byte[] Packet, int Length) RouterError(byte[] outer, Icmpv4Type type, byte code, ushort mtu = 0, int quote = int.MaxValue)
    {
        Assert.True(Ipv4Packet.TryCreate(outer, ChecksumPolicy.None, out var offending, out _));
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int room = (int)Math.Min(buffer.Length, 28L + quote);
        int length = type == Icmpv4Type.TimeExceeded
            ? Icmpv4Error.EmitTimeExceeded(buffer.AsSpan(0, room), Router, offending, (Icmpv4TimeExceededCode)code)
            : Icmpv4Error.EmitDestinationUnreachable(buffer.AsSpan(0, room), Router, offending, (Icmpv4UnreachableCode)code, mtu);
        return (buffer, length);
    }

    private static void Deliver(ITunnelEndpoint tunnel, (byte[] Packet, int Length) error)
    {
        Assert.True(Ipv4Packet.TryCreate(error.Packet.AsSpan(0, error.Length), ChecksumPolicy.Verify, out var ip, out _));
        Assert.True(TunnelTable.TryTakeError(ip.Buffer, tunnel));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2003_sec_4_4_time_exceeded_inside_the_tunnel_reaches_the_sender_as_host_unreachable(string kind)
    {
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host);
        var inner = TestPackets.Echo(H1, H2, 1, 100);
        tunnel.Send(inner);
        Deliver(tunnel, RouterError(host.Transmitted[0], Icmpv4Type.TimeExceeded, 0));
        var (packet, code) = Assert.Single(host.Unreachable);
        Assert.Equal(Icmpv4UnreachableCode.Host, code);
        Assert.Equal(Hex.Of(inner), Hex.Of(packet)); // the original datagram, restored from behind the outer headers
        Assert.Equal(1, tunnel.Counters.IcmpErrorsRelayed);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2003_sec_4_1_port_unreachable_and_a_quote_without_the_inner_header_are_not_relayed(string kind)
    {
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host);
        tunnel.Send(TestPackets.Echo(H1, H2, 1, 100));
        Deliver(tunnel, RouterError(host.Transmitted[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Port));
        Deliver(tunnel, RouterError(host.Transmitted[0], Icmpv4Type.TimeExceeded, 0, quote: 28)); // RFC 792's minimum
        Assert.Empty(host.Unreachable);
        Assert.Equal(2, tunnel.Counters.IcmpErrorsReceived);
        Assert.Equal(0, tunnel.Counters.IcmpErrorsRelayed);
    }

    [Theory]
    [InlineData("gre", 24)]
    [InlineData("ipip", 20)]
    [InlineData("minimal", 12)]
    public void Rfc2003_sec_5_1_datagram_too_big_is_relayed_and_kept_as_soft_state_for_ten_minutes(string kind, int overhead)
    {
        var clock = new ManualTimeProvider();
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host, clock);
        int configured = tunnel.Mtu;
        var big = TestPackets.Echo(H1, H2, 1, 1400 - 28, dontFragment: true);
        tunnel.Send(big);
        Deliver(tunnel, RouterError(host.Transmitted[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, mtu: 1300));

        // Relayed at once with the path MTU less the encapsulation (sec 4.1 MUST, sec 5.1).
        var (relayed, mtu) = Assert.Single(host.TooBig);
        Assert.Equal(1300 - overhead, mtu);
        Assert.Equal(Hex.Of(big.AsSpan(0, 548 - overhead)), Hex.Of(relayed.AsSpan(0, 548 - overhead)));
        Assert.Equal(1300 - overhead, tunnel.Mtu);

        // The next DF packet over it is refused at the entry, not sent into the tunnel again.
        tunnel.Send(big);
        Assert.Single(host.Transmitted);
        Assert.Equal(1300 - overhead, host.TooBig[1].Mtu);

        // A larger report does not raise it; RFC 1191 sec 6.3: after ten minutes the configured MTU is tried again.
        Deliver(tunnel, RouterError(host.Transmitted[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, mtu: 1400));
        Assert.Equal(1300 - overhead, tunnel.Mtu);
        clock.Advance(TunnelPathMtu.Lifetime);
        Assert.Equal(configured, tunnel.Mtu);
        tunnel.Send(big);
        Assert.Equal(2, host.Transmitted.Count);
    }

    [Fact]
    public void An_error_about_another_tunnels_packet_is_ignored()
    {
        var host = new RecordingHost();
        using var tunnel = Create("ipip", A, B, host);
        var otherHost = new RecordingHost();
        using var other = Create("ipip", A, Ipv4Address.Parse("198.51.100.9"), otherHost);
        other.Send(TestPackets.Echo(H1, H2, 1, 100));
        Deliver(tunnel, RouterError(otherHost.Transmitted[0], Icmpv4Type.TimeExceeded, 0));
        Assert.Empty(host.Unreachable);
        Assert.Equal(0, tunnel.Counters.IcmpErrorsReceived);
    }

    /// <summary>RFC 6040 sec 4.2's decapsulation table, every inner x outer ECN pair (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE; -1: drop).</summary>
    [Theory]
    [InlineData(0, 0, 0)] [InlineData(0, 1, 0)] [InlineData(0, 2, 0)] [InlineData(0, 3, -1)]
    [InlineData(2, 0, 2)] [InlineData(2, 1, 1)] [InlineData(2, 2, 2)] [InlineData(2, 3, 3)]
    [InlineData(1, 0, 1)] [InlineData(1, 1, 1)] [InlineData(1, 2, 1)] [InlineData(1, 3, 3)]
    [InlineData(3, 0, 3)] [InlineData(3, 1, 3)] [InlineData(3, 2, 3)] [InlineData(3, 3, 3)]
    public void Rfc6040_sec_4_2_decapsulation_combines_ecn_as_the_table_says(int innerEcn, int outerEcn, int expected)
    {
        foreach (string kind in new[] { "gre", "ipip" })
        {
            var outer = Encapsulated(kind, TestPackets.Echo(H1, H2, 1, 20, tos: (byte)(0xb8 | innerEcn)));
            Assert.Equal(0xb8, outer[1]); // sec 4.1 compatibility mode: DSCP copied, outer Not-ECT
            outer[1] = (byte)(0xb8 | outerEcn);
            Ipv4InPlace.RewriteChecksum(outer);
            var host = new RecordingHost();
            using var receiver = Create(kind, B, A, host);
            receiver.Receive(outer);
            if (expected < 0)
            {
                Assert.Empty(host.Delivered);
                Assert.Equal(1, receiver.Counters.Dropped(TunnelDropReason.CongestionNotEct));
                continue;
            }
            var inner = Assert.Single(host.Delivered).Payload;
            Assert.Equal(0xb8 | expected, inner[1]);
            Assert.True(Ipv4Packet.TryCreate(inner, ChecksumPolicy.Verify, out _, out _), "inner header checksum");
        }
    }
}
