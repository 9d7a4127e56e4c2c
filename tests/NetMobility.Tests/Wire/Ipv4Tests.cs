using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class Ipv4Tests
{
    // Reference bytes from scapy 2.5 (/usr/bin/python3); tshark 4.0 with ip.check_checksum reports each header checksum good.
    // IP(src='192.0.2.1', dst='198.51.100.7', id=0x1234, ttl=64)/UDP(sport=434, dport=434)/b'hello'
    private static readonly byte[] Udp = Hex.Bytes("4500 0021 1234 0000 4011 7c5c c0000201 c6336407  01b2 01b2 000d cc61 68656c6c6f");
    // IP(src='192.0.2.1', dst='224.0.0.22', tos=0xb9, ttl=1, id=0xabcd, flags='DF', proto=253,
    //    options=[IPOption_Router_Alert()])/b'\x22\x00\xfa\x02'
    private static readonly byte[] RouterAlert = Hex.Bytes("46b9 001c abcd 4000 01fd 9542 c0000201 e0000016 94040000  2200fa02");
    // IP(src='10.0.0.1', dst='10.0.0.2', id=7, flags='MF', frag=185, proto=17)/(b'\x00'*8)
    private static readonly byte[] Fragment = Hex.Bytes("4500 001c 0007 20b9 4011 460f 0a000001 0a000002  0000000000000000");
    // IP(src='10.0.0.1', dst='10.0.0.2', id=8, proto=1,
    //    options=[IPOption_NOP(), IPOption_RR(routers=['10.9.9.9', '0.0.0.0'])])/ICMP(id=1, seq=1)
    private static readonly byte[] RecordRoute = Hex.Bytes("4800 0028 0008 0000 4001 44ae 0a000001 0a000002 01 070b04 0a090909 00000000  0800f7fd00010001");

    public static TheoryData<string> Vectors => new() { Hex.Of(Udp), Hex.Of(RouterAlert), Hex.Of(Fragment), Hex.Of(RecordRoute) };

    [Fact]
    public void Deconstructs_a_udp_datagram()
    {
        Assert.True(Ipv4Packet.TryCreate(Udp, ChecksumPolicy.Verify, out var p, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(4, p.Version);
        Assert.Equal(20, p.HeaderLength);
        Assert.Equal(0, p.TypeOfService);
        Assert.Equal(33, p.TotalLength);
        Assert.Equal(0x1234, p.Identification);
        Assert.False(p.DontFragment);
        Assert.False(p.MoreFragments);
        Assert.False(p.IsFragment);
        Assert.Equal(64, p.TimeToLive);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(0x7c5c, p.Checksum);
        Assert.True(p.IsChecksumValid);
        Assert.Equal(Ipv4Address.Parse("192.0.2.1"), p.Source);
        Assert.Equal(Ipv4Address.Parse("198.51.100.7"), p.Destination);
        Assert.True(p.Options.IsEmpty);
        Assert.Equal("01b201b2000dcc6168656c6c6f", Hex.Of(p.Payload));
    }

    [Fact]
    public void Deconstructs_tos_flags_and_a_router_alert_option()
    {
        Assert.True(Ipv4Packet.TryCreate(RouterAlert, ChecksumPolicy.Verify, out var p, out _));
        Assert.Equal(24, p.HeaderLength);
        Assert.Equal(46, p.Dscp); // EF
        Assert.Equal(1, p.Ecn);   // ECT(1)
        Assert.True(p.DontFragment);
        Assert.Equal(1, p.TimeToLive);
        Assert.Equal((IpProtocol)253, p.Protocol);
        Assert.Equal("94040000", Hex.Of(p.Options));
        Assert.Equal("2200fa02", Hex.Of(p.Payload));

        var reader = p.ReadOptions();
        Assert.True(reader.MoveNext());
        Assert.Equal(Ipv4OptionType.RouterAlert, reader.Current.Type);
        Assert.True(reader.Current.IsCopied);
        Assert.Equal(4, reader.Current.Length);
        Assert.Equal("0000", Hex.Of(reader.Current.Data));
        Assert.False(reader.MoveNext());
        Assert.Equal(WireError.None, reader.Error);
    }

    [Fact]
    public void Walks_no_operation_and_record_route()
    {
        Assert.True(Ipv4Packet.TryCreate(RecordRoute, ChecksumPolicy.Verify, out var p, out _));
        Assert.Equal(32, p.HeaderLength);
        var types = new List<Ipv4OptionType>();
        var data = new List<string>();
        foreach (var option in p.ReadOptions())
        {
            types.Add(option.Type);
            data.Add(Hex.Of(option.Data));
        }
        Assert.Equal([Ipv4OptionType.NoOperation, Ipv4OptionType.RecordRoute], types);
        Assert.Equal(["", "040a09090900000000"], data);
        Assert.Equal("0800f7fd00010001", Hex.Of(p.Payload));
    }

    [Fact]
    public void Stops_after_end_of_option_list_and_skips_the_padding()
    {
        // RFC 791 sec 3.1: what follows the end-of-option-list octet is padding, whatever it holds.
        var reader = new Ipv4OptionReader(Hex.Bytes("01 00 07 03"));
        Assert.True(reader.MoveNext());
        Assert.Equal(Ipv4OptionType.NoOperation, reader.Current.Type);
        Assert.Equal(1, reader.Current.Length);
        Assert.True(reader.MoveNext());
        Assert.Equal(Ipv4OptionType.EndOfOptionList, reader.Current.Type);
        Assert.False(reader.MoveNext());
        Assert.Equal(WireError.None, reader.Error);
    }

    [Theory]
    [InlineData("07")]
    [InlineData("0701")]
    [InlineData("070500")]
    [InlineData("01 9400")]
    public void Reader_stops_at_a_malformed_option(string hex)
    {
        Assert.Equal(WireError.BadOption, Ipv4OptionReader.Validate(Hex.Bytes(hex)));
    }

    [Fact]
    public void Deconstructs_a_fragment()
    {
        Assert.True(Ipv4Header.TryParse(Fragment, ChecksumPolicy.Verify, out var h, out int used, out _));
        Assert.Equal(20, used);
        Assert.True(h.MoreFragments);
        Assert.Equal(185, h.FragmentOffset); // 1480 bytes; tshark 4.0 shows ip.frag_offset 185
        Assert.True(h.IsFragment);
        Assert.Equal(8, h.PayloadLength);
    }

    [Fact]
    public void A_last_fragment_is_a_fragment_too()
    {
        var h = new Ipv4Header(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), IpProtocol.Udp, 8, FragmentOffset: 185);
        var buffer = new byte[h.BufferLength];
        h.Emit(buffer);
        Assert.True(Ipv4Packet.TryCreate(buffer, ChecksumPolicy.Verify, out var p, out _));
        Assert.False(p.MoreFragments);
        Assert.True(p.IsFragment);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Emits_exactly_the_parsed_header(string hex)
    {
        var wire = Hex.Bytes(hex);
        Assert.True(Ipv4Header.TryParse(wire, ChecksumPolicy.Verify, out var h, out int used, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(wire.Length, h.BufferLength);
        var buffer = Hex.Poisoned(h.Length);
        Assert.Equal(used, h.Emit(buffer, ChecksumPolicy.Compute));
        Assert.Equal(Hex.Of(wire.AsSpan(0, used)), Hex.Of(buffer));
    }

    [Fact]
    public void Constructs_the_scapy_header_into_a_poisoned_buffer()
    {
        var h = new Ipv4Header(Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("224.0.0.22"), (IpProtocol)253, PayloadLength: 4,
            TimeToLive: 1, Identification: 0xabcd, DontFragment: true, Dscp: 46, Ecn: 1,
            Options: OptionsOf("94040000"));
        var buffer = Hex.Poisoned(h.Length + 2);
        Assert.Equal(24, h.Emit(buffer));
        Assert.Equal(Hex.Of(RouterAlert.AsSpan(0, 24)) + "a5a5", Hex.Of(buffer));
    }

    [Fact]
    public void Emits_a_zero_checksum_when_not_asked_to_compute()
    {
        Assert.True(Ipv4Header.TryParse(Udp, ChecksumPolicy.Verify, out var h, out _, out _));
        var buffer = Hex.Poisoned(20);
        h.Emit(buffer, ChecksumPolicy.None);
        Assert.Equal("0000", Hex.Of(buffer.AsSpan(10, 2)));
    }

    [Fact]
    public void Random_headers_round_trip()
    {
        var rng = new Random(791);
        for (int i = 0; i < 500; i++)
        {
            var options = new byte[4 * rng.Next(0, 11)];
            options.AsSpan().Fill((byte)Ipv4OptionType.NoOperation);
            var h = new Ipv4Header(new Ipv4Address((uint)rng.Next()), new Ipv4Address((uint)rng.Next()), (IpProtocol)rng.Next(256),
                rng.Next(0, 1000), (byte)rng.Next(256), (ushort)rng.Next(65536), rng.Next(2) == 0, rng.Next(2) == 0,
                (ushort)rng.Next(0x2000), (byte)rng.Next(64), (byte)rng.Next(4), OptionsOf(Hex.Of(options)));
            var buffer = new byte[h.BufferLength];
            Assert.Equal(h.Length, h.Emit(buffer));
            Assert.True(Ipv4Header.TryParse(buffer, ChecksumPolicy.Verify, out var parsed, out int used, out var e), e.Describe());
            Assert.Equal(h, parsed);
            Assert.Equal(h.Length, used);
        }
    }

    [Fact]
    public void Ignores_trailing_ethernet_padding()
    {
        var padded = new byte[RouterAlert.Length + 18];
        RouterAlert.CopyTo(padded, 0);
        Assert.True(Ipv4Packet.TryCreate(padded, ChecksumPolicy.Verify, out var p, out _));
        Assert.Equal(RouterAlert.Length, p.Buffer.Length);
        Assert.Equal("2200fa02", Hex.Of(p.Payload));
        Assert.True(Ipv4Header.TryParse(padded, ChecksumPolicy.Verify, out var h, out _, out _));
        Assert.Equal(4, h.PayloadLength);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Rejects_every_truncation_and_consumes_nothing(string hex)
    {
        var wire = Hex.Bytes(hex);
        for (int length = 0; length < wire.Length; length++)
        {
            Assert.False(Ipv4Header.TryParse(wire.AsSpan(0, length), ChecksumPolicy.None, out var h, out int used, out var e));
            Assert.Equal(WireError.Truncated, e);
            Assert.Equal(0, used);
            Assert.Equal(default, h);
        }
    }

    [Theory]
    [InlineData("6500 0021 1234 0000 4011 7c5c c0000201 c6336407", WireError.BadVersion)]
    [InlineData("4400 0021 1234 0000 4011 7c5c c0000201 c6336407", WireError.BadLength)]      // IHL 4
    [InlineData("4500 0013 1234 0000 4011 7c5c c0000201 c6336407", WireError.BadLength)]      // total length 19 < header
    [InlineData("4500 0015 1234 0000 4011 7c5c c0000201 c6336407", WireError.Truncated)]      // total length 21 > buffer
    [InlineData("4600 0018 1234 0000 4011 7c5c c0000201 c6336407", WireError.Truncated)]      // IHL 6 > buffer
    [InlineData("4500 0014 1234 8000 4011 7c5c c0000201 c6336407", WireError.ReservedBitSet)] // reserved flag
    [InlineData("4600 0018 1234 0000 4011 7c5c c0000201 c6336407 07010000", WireError.BadOption)] // length 1
    [InlineData("4600 0018 1234 0000 4011 7c5c c0000201 c6336407 01070500", WireError.BadOption)] // length past IHL
    [InlineData("4600 0018 1234 0000 4011 7c5c c0000201 c6336407 01010107", WireError.BadOption)] // no length byte
    public void Rejects_malformed_headers_and_consumes_nothing(string hex, WireError expected)
    {
        Assert.False(Ipv4Header.TryParse(Hex.Bytes(hex), ChecksumPolicy.None, out var h, out int used, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, used);
        Assert.Equal(default, h);
    }

    [Fact]
    public void Rejects_a_bad_checksum_only_when_verifying()
    {
        var wire = (byte[])Udp.Clone();
        wire[11] ^= 0x01;
        Assert.False(Ipv4Header.TryParse(wire, ChecksumPolicy.Verify, out _, out int used, out var e));
        Assert.Equal(WireError.BadChecksum, e);
        Assert.Equal(0, used);
        Assert.True(Ipv4Header.TryParse(wire, ChecksumPolicy.None, out _, out used, out e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(20, used);
    }

    [Fact]
    public void Views_a_quoted_datagram_cut_after_eight_payload_bytes()
    {
        // An ICMP error quotes the header and the first 8 payload bytes of the 33-byte UDP datagram.
        var quote = Udp.AsSpan(0, 28);
        Assert.False(Ipv4Packet.TryCreate(quote, ChecksumPolicy.None, out _, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.True(Ipv4Packet.TryCreateQuoted(quote, out var p, out e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(33, p.TotalLength);
        Assert.Equal("01b201b2000dcc61", Hex.Of(p.Payload));
    }

    [Fact]
    public void A_quoted_datagram_still_needs_its_whole_header()
    {
        Assert.False(Ipv4Packet.TryCreateQuoted(RecordRoute.AsSpan(0, 28), out _, out var e));
        Assert.Equal(WireError.Truncated, e);
        Assert.False(Ipv4Packet.TryCreateQuoted(Hex.Bytes("4400 0021 1234 0000 4011 7c5c c0000201 c6336407"), out _, out e));
        Assert.Equal(WireError.BadLength, e);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decrementing_ttl_keeps_the_checksum_valid(string hex)
    {
        var wire = Hex.Bytes(hex);
        byte ttl = wire[8];
        bool forwarded = Ipv4InPlace.TryDecrementTimeToLive(wire);
        Assert.Equal(ttl > 1, forwarded);
        Assert.Equal(forwarded ? ttl - 1 : ttl, wire[8]);
        Assert.True(Ipv4Packet.TryCreate(wire, ChecksumPolicy.Verify, out _, out var e), e.Describe());
    }

    [Fact]
    public void Does_not_decrement_a_ttl_of_one()
    {
        var wire = (byte[])RouterAlert.Clone();
        Assert.False(Ipv4InPlace.TryDecrementTimeToLive(wire));
        Assert.Equal(Hex.Of(RouterAlert), Hex.Of(wire));
    }

    [Fact]
    public void Incremental_ttl_update_equals_recomputation_for_random_headers()
    {
        var rng = new Random(1624);
        var header = new byte[20];
        for (int i = 0; i < 2000; i++)
        {
            rng.NextBytes(header);
            header[0] = 0x45;
            header[8] = (byte)rng.Next(2, 256);
            Ipv4InPlace.RewriteChecksum(header);
            Assert.True(Ipv4InPlace.TryDecrementTimeToLive(header));
            var incremental = Hex.Of(header.AsSpan(10, 2));
            Ipv4InPlace.RewriteChecksum(header);
            Assert.Equal(Hex.Of(header.AsSpan(10, 2)), incremental);
        }
    }

    [Fact]
    public void Rewrites_the_checksum_over_options_too()
    {
        var wire = (byte[])RecordRoute.Clone();
        wire[10] = 0xde;
        wire[11] = 0xad;
        Ipv4InPlace.RewriteChecksum(wire);
        Assert.Equal(Hex.Of(RecordRoute), Hex.Of(wire));
    }

    [Fact]
    public void Option_bytes_must_fit_a_header()
    {
        Assert.False(OptionBytes.TryCreate(new byte[3], out _));
        Assert.False(OptionBytes.TryCreate(new byte[44], out _));
        Assert.True(OptionBytes.TryCreate(new byte[40], out var o));
        Assert.Equal(40, o.Length);
        Assert.Equal(OptionsOf("94040000"), OptionsOf("94040000"));
        Assert.NotEqual(OptionsOf("94040000"), OptionsOf("94040001"));
        Assert.Equal("94040000", OptionsOf("94040000").ToString());
    }

    private static OptionBytes OptionsOf(string hex)
    {
        Assert.True(OptionBytes.TryCreate(Hex.Bytes(hex), out var options));
        return options;
    }
}
