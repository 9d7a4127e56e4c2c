using System.Buffers.Binary;
using FsCheck.Fluent;
using FsCheck;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

public class GreTunnelTests
{
    internal static readonly Ipv4Address A = Ipv4Address.Parse("192.0.2.1");
    internal static readonly Ipv4Address B = Ipv4Address.Parse("198.51.100.2");
    private const uint Key = 0x0a0b0c0d;

    // scapy 2.5 (Debian python3-scapy):
    //   IP(src='10.0.1.2', dst='10.0.2.2', ttl=63, tos=0xb9, id=7, flags='DF')/ICMP(id=1, seq=1)/b'netmobility'
    internal static readonly byte[] Inner = Hex.Bytes("45b90027000740003f0124130a0001020a000202080059e7000100016e65746d6f62696c697479");

    // scapy: IP(src='192.0.2.1', dst='198.51.100.2', id=0, flags='DF', ttl=63, tos=0xb8)/GRE(...)/Inner, with
    // GRE(chksum_present=ocsum, key_present=okey, key=0x0a0b0c0d, seqnum_present=oseq, sequence_number=0):
    // the packet this endpoint must send for each (okey, oseq, ocsum), indexed okey*4 + oseq*2 + ocsum.
    // The outer TOS keeps the inner DSCP (0xb8) and drops its ECN bits; DF and TTL are inherited.
    private static readonly string[] ScapyOuter =
    [
        "45b8003f000040003f2f4ea1c0000201c6336402 00000800",
        "45b80043000040003f2f4e9dc0000201c6336402 80000800 77ff0000",
        "45b80043000040003f2f4e9dc0000201c6336402 10000800 00000000",
        "45b80047000040003f2f4e99c0000201c6336402 90000800 67ff0000 00000000",
        "45b80043000040003f2f4e9dc0000201c6336402 20000800 0a0b0c0d",
        "45b80047000040003f2f4e99c0000201c6336402 a0000800 41e70000 0a0b0c0d",
        "45b80047000040003f2f4e99c0000201c6336402 30000800 0a0b0c0d 00000000",
        "45b8004b000040003f2f4e95c0000201c6336402 b0000800 31e70000 0a0b0c0d 00000000",
    ];

    internal static byte[] ScapyPacket(bool okey, bool oseq, bool ocsum) =>
        Hex.Bytes(ScapyOuter[(okey ? 4 : 0) + (oseq ? 2 : 0) + (ocsum ? 1 : 0)] + Hex.Of(Inner));

    private static GreTunnelOptions Options(Ipv4Address local, Ipv4Address remote) => new() { Local = local, Remote = remote };

    public static TheoryData<bool, bool, bool, bool, bool, bool> AllCombinations()
    {
        var data = new TheoryData<bool, bool, bool, bool, bool, bool>();
        for (int bits = 0; bits < 64; bits++)
            data.Add((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0, (bits & 32) != 0);
        return data;
    }

    /// <summary>
    /// Every ikey/okey/iseq/oseq/icsum/ocsum combination: the sender emits exactly scapy's packet for its
    /// okey/oseq/ocsum, and the receiver takes scapy's packet or drops it for the reason ip-link(8) gives.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Every_key_sequence_and_checksum_combination(bool ikey, bool okey, bool iseq, bool oseq, bool icsum, bool ocsum)
    {
        var sent = new RecordingHost();
        using var sender = new GreTunnel(Options(A, B) with { OutputKey = okey ? Key : null, OutputSequence = oseq, OutputChecksum = ocsum },
            new ManualTimeProvider(), sent);
        sender.Send(Inner);
        var scapy = ScapyPacket(okey, oseq, ocsum);
        Assert.Equal(Hex.Of(scapy), Hex.Of(Assert.Single(sent.Transmitted)));

        var received = new RecordingHost();
        using var receiver = new GreTunnel(Options(B, A) with { InputKey = ikey ? Key : null, InputSequence = iseq, InputChecksum = icsum },
            new ManualTimeProvider(), received);
        receiver.Receive(scapy);

        TunnelDropReason? expected =
            icsum && !ocsum ? TunnelDropReason.MissingChecksum
            : ikey && !okey ? TunnelDropReason.MissingKey
            : !ikey && okey ? TunnelDropReason.BadKey
            : iseq && !oseq ? TunnelDropReason.MissingSequence
            : null;
        if (expected is TunnelDropReason reason)
        {
            Assert.Empty(received.Delivered);
            Assert.Equal(1, receiver.Counters.Dropped(reason));
            Assert.Equal(1, receiver.Counters.TotalDropped);
        }
        else
        {
            var (protocol, payload) = Assert.Single(received.Delivered);
            Assert.Equal(EtherType.Ipv4, protocol);
            Assert.Equal(Hex.Of(Inner), Hex.Of(payload));
            Assert.Equal(0, receiver.Counters.TotalDropped);
            Assert.Equal(Inner.Length, receiver.Counters.BytesIn);
        }
    }

    /// <summary>The full set once more, with random keys, payload sizes and several packets per combination: our sender to our receiver.</summary>
    [Fact]
    public void Sender_and_receiver_agree_exactly_when_their_settings_match()
    {
        var gen =
            from bits in Gen.Choose(0, 63)
            from okeyValue in Gen.Choose(0, int.MaxValue)
            from ikeyDiffers in Gen.Elements(false, false, true)
            from sizes in Gen.ArrayOf(Gen.Choose(0, 1400), 3)
            select (bits, (uint)okeyValue, ikeyDiffers, sizes);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            bool ikey = (c.bits & 1) != 0, okey = (c.bits & 2) != 0, iseq = (c.bits & 4) != 0;
            bool oseq = (c.bits & 8) != 0, icsum = (c.bits & 16) != 0, ocsum = (c.bits & 32) != 0;
            uint inputKey = c.ikeyDiffers ? c.Item2 ^ 1 : c.Item2;
            var host = new LoopbackPair(
                Options(A, B) with { OutputKey = okey ? c.Item2 : null, OutputSequence = oseq, OutputChecksum = ocsum },
                Options(B, A) with { InputKey = ikey ? inputKey : null, InputSequence = iseq, InputChecksum = icsum });
            foreach (int size in c.sizes) host.Left.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, size));
            bool accepts = (!icsum || ocsum) && ikey == okey && (!ikey || !c.ikeyDiffers) && (!iseq || oseq);
            var delivered = host.RightHost.Delivered;
            return accepts
                ? delivered.Count == 3 && host.Right.Counters.TotalDropped == 0
                : delivered.Count == 0 && host.Right.Counters.TotalDropped == 3;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_tunnel_mtu_is_the_underlay_mtu_less_the_encapsulation()
    {
        // The numbers Linux gives its gre and gretap devices over a 1500-byte link.
        Assert.Equal(1476, Options(A, B).Mtu);
        Assert.Equal(1472, (Options(A, B) with { OutputKey = 1 }).Mtu);
        Assert.Equal(1464, (Options(A, B) with { OutputKey = 1, OutputSequence = true, OutputChecksum = true }).Mtu);
        Assert.Equal(1462, (Options(A, B) with { Mode = GreMode.Ethernet }).Mtu);
        Assert.Equal(1380 - 32, (Options(A, B) with { UnderlayMtu = 1380, OutputKey = 7, OutputSequence = true }).Mtu);
    }

    [Fact]
    public void Sequence_numbers_and_outer_identification_count_up_from_zero()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(A, B) with { OutputSequence = true }, new ManualTimeProvider(), host);
        for (int i = 0; i < 3; i++) tunnel.Send(Inner);
        Assert.Equal([0u, 1, 2], host.Transmitted.Select(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(24))));
        Assert.Equal([0, 1, 2], host.Transmitted.Select(p => (int)BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(4))));
        Assert.Equal(3, tunnel.Counters.PacketsOut);
        Assert.Equal(3 * (Inner.Length + 28), tunnel.Counters.BytesOut);
    }

    [Fact]
    public void A_fixed_ttl_and_tos_and_pmtudisc_override_the_inner_header()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(A, B) with { Ttl = 200, Tos = 0x11, PathMtuDiscovery = true }, new ManualTimeProvider(), host);
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 10, dontFragment: false, ttl: 5, tos: 0xb8));
        Assert.True(Ipv4Packet.TryCreate(host.Transmitted[0], ChecksumPolicy.Verify, out var outer, out _));
        Assert.Equal(200, outer.TimeToLive);
        Assert.Equal(0x11, outer.TypeOfService);
        Assert.True(outer.DontFragment);
    }

    [Fact]
    public void Without_pmtudisc_outer_df_follows_the_inner_packet()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(A, B), new ManualTimeProvider(), host);
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 10, dontFragment: false, ttl: 9));
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 10, dontFragment: true, ttl: 9));
        Assert.True(Ipv4Packet.TryCreate(host.Transmitted[0], ChecksumPolicy.Verify, out var first, out _));
        Assert.False(first.DontFragment);
        Assert.Equal(9, first.TimeToLive);
        Assert.True(Ipv4Packet.TryCreate(host.Transmitted[1], ChecksumPolicy.Verify, out var second, out _));
        Assert.True(second.DontFragment);
    }

    [Fact]
    public void A_df_packet_over_the_tunnel_mtu_is_refused_and_reported_with_the_mtu()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(A, B) with { OutputKey = 1 }, new ManualTimeProvider(), host);
        var big = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 1472 - 28 + 1, dontFragment: true);
        Assert.Equal(1473, big.Length);
        tunnel.Send(big);
        Assert.Empty(host.Transmitted);
        var (packet, mtu) = Assert.Single(host.TooBig);
        Assert.Equal(1472, mtu);
        Assert.Equal(Hex.Of(big), Hex.Of(packet));
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.TooBig));
        Assert.Equal(1, tunnel.Counters.TooBigReports);

        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 1472 - 28, dontFragment: true));
        Assert.Equal(1500, Assert.Single(host.Transmitted).Length);
    }

    [Fact]
    public void A_packet_without_df_over_the_tunnel_mtu_is_fragmented_before_encapsulation()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(A, B) with { UnderlayMtu = 576 }, new ManualTimeProvider(), host);
        var big = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 1200, dontFragment: false);
        tunnel.Send(big);
        Assert.Equal(3, host.Transmitted.Count);
        Assert.Equal(3, tunnel.Counters.FragmentsMade);
        var data = new List<byte>();
        foreach (var outer in host.Transmitted)
        {
            Assert.True(outer.Length <= 576);
            Assert.True(Ipv4Packet.TryCreate(outer, ChecksumPolicy.Verify, out var o, out _));
            Assert.False(o.IsFragment);
            Assert.True(Ipv4Packet.TryCreate(o.Payload[4..], ChecksumPolicy.Verify, out var fragment, out _));
            Assert.Equal(data.Count / 8, fragment.FragmentOffset);
            data.AddRange(fragment.Payload.ToArray());
        }
        Assert.Equal(Hex.Of(big.AsSpan(20)), Hex.Of(data.ToArray()));
    }

    [Fact]
    public void With_oversize_refuse_a_packet_without_df_over_the_mtu_is_dropped()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(A, B) with { Oversize = OversizePolicy.Refuse }, new ManualTimeProvider(), host);
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 1500, dontFragment: false));
        Assert.Empty(host.Transmitted);
        Assert.Empty(host.TooBig);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.TooBig));
    }

    [Fact]
    public void Gretap_carries_ethernet_frames_with_protocol_type_6558()
    {
        var pair = new LoopbackPair(Options(A, B) with { Mode = GreMode.Ethernet }, Options(B, A) with { Mode = GreMode.Ethernet });
        var frame = TestPackets.Frame(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 100, ttl: 17));
        pair.Left.Send(frame);
        var outer = Assert.Single(pair.LeftHost.Transmitted);
        Assert.Equal("00006558", Hex.Of(outer.AsSpan(20, 4)));
        Assert.Equal(17, outer[8]);
        var (protocol, payload) = Assert.Single(pair.RightHost.Delivered);
        Assert.Equal(EtherType.TransparentEthernetBridging, protocol);
        Assert.Equal(Hex.Of(frame), Hex.Of(payload));

        // 1462 bytes of IP fit; one more does not, and with DF the sender hears of it.
        pair.Left.Send(TestPackets.Frame(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 1462 - 28)));
        Assert.Equal(1500, pair.LeftHost.Transmitted[^1].Length);
        pair.Left.Send(TestPackets.Frame(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 2, 1462 - 27, dontFragment: true)));
        Assert.Equal(1462, Assert.Single(pair.LeftHost.TooBig).Mtu);
        Assert.Equal(1, pair.Left.Counters.Dropped(TunnelDropReason.TooBig));
    }

    [Fact]
    public void A_wrong_key_is_dropped_and_counted()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(B, A) with { InputKey = Key + 1 }, new ManualTimeProvider(), host);
        tunnel.Receive(ScapyPacket(okey: true, oseq: false, ocsum: false));
        Assert.Empty(host.Delivered);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.BadKey));
    }

    [Fact]
    public void A_gre_checksum_that_does_not_verify_is_dropped_even_without_icsum()
    {
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(B, A), new ManualTimeProvider(), host);
        var packet = ScapyPacket(okey: false, oseq: false, ocsum: true);
        packet[^1] ^= 0x01;
        tunnel.Receive(packet);
        Assert.Empty(host.Delivered);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.BadChecksum));
    }

    [Theory]
    [InlineData("outer header checksum", TunnelDropReason.Malformed)]
    [InlineData("outer truncated", TunnelDropReason.Malformed)]
    [InlineData("gre truncated", TunnelDropReason.Malformed)]
    [InlineData("gre version 1", TunnelDropReason.Malformed)]
    [InlineData("inner not ipv4", TunnelDropReason.Malformed)]
    [InlineData("from elsewhere", TunnelDropReason.AddressMismatch)]
    [InlineData("outer fragment", TunnelDropReason.OuterFragment)]
    [InlineData("gretap payload", TunnelDropReason.UnknownProtocol)]
    public void Bad_outer_packets_are_dropped_for_the_right_reason(string damage, TunnelDropReason reason)
    {
        var packet = ScapyPacket(okey: false, oseq: false, ocsum: false);
        switch (damage)
        {
            case "outer header checksum": packet[10] ^= 0xFF; break;
            case "outer truncated": packet = packet[..30]; break;
            case "gre truncated": packet = Truncated(packet, 22); break;
            case "gre version 1": packet[21] |= 0x01; Ipv4InPlace.RewriteChecksum(packet); break;
            case "inner not ipv4": packet[24] = 0x65; break;
            case "from elsewhere": packet[12] = 203; Ipv4InPlace.RewriteChecksum(packet); break;
            case "outer fragment": packet[6] |= 0x20; Ipv4InPlace.RewriteChecksum(packet); break;
            case "gretap payload": packet[22] = 0x65; packet[23] = 0x58; break;
        }
        var host = new RecordingHost();
        using var tunnel = new GreTunnel(Options(B, A), new ManualTimeProvider(), host);
        tunnel.Receive(packet);
        Assert.Empty(host.Delivered);
        Assert.Equal(1, tunnel.Counters.Dropped(reason));
        Assert.Equal(1, tunnel.Counters.TotalDropped);
    }

    /// <summary>The first <paramref name="length"/> bytes with the outer total length and checksum fixed to match.</summary>
    private static byte[] Truncated(byte[] packet, int length)
    {
        var cut = packet[..length];
        BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)length);
        Ipv4InPlace.RewriteChecksum(cut);
        return cut;
    }

    [Fact]
    public void With_iseq_reordered_packets_come_out_in_order_and_a_straggler_after_the_timer_is_late()
    {
        var clock = new ManualTimeProvider();
        var pair = new LoopbackPair(Options(A, B) with { OutputSequence = true },
            Options(B, A) with { InputSequence = true, Reorder = new GreReorderOptions { MaxPerflowBuffer = 4, OutOfOrderTimer = TimeSpan.FromMilliseconds(50) } },
            clock, deliverImmediately: false);
        for (int i = 0; i < 6; i++) pair.Left.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, i, 20));
        pair.Carry(0, 2, 1, 4, 5);
        Assert.Equal([0, 1, 2], pair.RightHost.DeliveredEchoSequences());
        Assert.Equal(2, pair.Right.Window!.Held);

        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal([0, 1, 2, 4, 5], pair.RightHost.DeliveredEchoSequences());
        pair.Carry(3);
        Assert.Equal(1, pair.Right.Counters.Dropped(TunnelDropReason.LateSequence));
        Assert.Equal(1, pair.Right.Counters.SequenceGaps);
    }
}
