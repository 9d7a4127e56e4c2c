using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class Icmpv4Tests
{
    // Reference bytes from scapy 2.5 (/usr/bin/python3); tshark 4.0 reports every checksum correct.
    // ICMP(type=8, id=0x1234, seq=1)/b'abcdefgh'
    private static readonly byte[] Echo = Hex.Bytes("0800 5435 1234 0001 6162636465666768");
    // The first 28 bytes of IP(src='192.0.2.1', dst='198.51.100.7', id=0x1234, flags='DF', ttl=64)/UDP(sport=40000, dport=53)/(b'x'*1452)
    private const string Quote = "450005c812344000401136b5c0000201c6336407 9c40003505b4c62e";
    // ICMP(type=3, code=4, nexthopmtu=1400)/quote
    private static readonly byte[] FragmentationNeeded = Hex.Bytes("0304 8f2b 0000 0578" + Quote);
    // ICMP(type=11, code=0)/quote
    private static readonly byte[] TtlExceeded = Hex.Bytes("0b00 8ca7 00000000" + Quote);
    // ICMP(type=10, code=0)
    private static readonly byte[] Solicitation = Hex.Bytes("0a00 f5ff 00000000");
    // An RFC 1256 router advertisement: 2 entries of 2 words, lifetime 1800, 192.0.2.1 preference 0,
    // 192.0.2.2 preference -1; checksum by scapy.utils.checksum, tshark 4.0 decodes it without complaint.
    private static readonly byte[] RouterAdvertisement = Hex.Bytes("0900 69f1 02 02 0708 c0000201 00000000 c0000202 ffffffff");

    public static TheoryData<string> Vectors => new()
    {
        Hex.Of(Echo), Hex.Of(FragmentationNeeded), Hex.Of(TtlExceeded), Hex.Of(Solicitation), Hex.Of(RouterAdvertisement),
    };

    [Fact]
    public void Deconstructs_an_echo_request()
    {
        Assert.True(Icmpv4Packet.TryCreate(Echo, ChecksumPolicy.Verify, out var p, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(Icmpv4Type.EchoRequest, p.Type);
        Assert.Equal(0, p.Code);
        Assert.Equal(0x5435, p.Checksum);
        Assert.Equal(0x1234, p.Identifier);
        Assert.Equal(1, p.SequenceNumber);
        Assert.Equal("abcdefgh", System.Text.Encoding.ASCII.GetString(p.Data));
        Assert.False(p.IsError);
        Assert.True(p.IsChecksumValid);
        Assert.Equal(0, p.RouterAddressCount);
        Assert.True(p.Extensions.IsEmpty);
    }

    [Fact]
    public void Constructs_an_echo_request_into_a_poisoned_buffer()
    {
        var m = Icmpv4Message.EchoRequest(0x1234, 1, 8);
        var buffer = Hex.Poisoned(m.BufferLength + 2);
        Assert.Equal(16, m.Emit(buffer, "abcdefgh"u8));
        Assert.Equal(Hex.Of(Echo) + "a5a5", Hex.Of(buffer));
    }

    [Fact]
    public void Answers_an_echo_request_with_the_same_identifier_sequence_and_data()
    {
        Assert.True(Icmpv4Message.TryParse(Echo, ChecksumPolicy.Verify, out var request, out int used, out _));
        var reply = request with { Type = Icmpv4Type.EchoReply };
        Assert.Equal(Icmpv4Message.EchoReply(0x1234, 1, 8), reply);
        var buffer = Hex.Poisoned(reply.BufferLength);
        reply.Emit(buffer, Echo.AsSpan(used));
        Assert.True(Icmpv4Packet.TryCreate(buffer, ChecksumPolicy.Verify, out var p, out var e), e.Describe());
        Assert.Equal(Icmpv4Type.EchoReply, p.Type);
        Assert.Equal("6162636465666768", Hex.Of(p.Data));
    }

    [Fact]
    public void Deconstructs_fragmentation_needed_and_its_quote()
    {
        Assert.True(Icmpv4Packet.TryCreate(FragmentationNeeded, ChecksumPolicy.Verify, out var p, out _));
        Assert.Equal(Icmpv4Type.DestinationUnreachable, p.Type);
        Assert.Equal((byte)Icmpv4UnreachableCode.FragmentationNeeded, p.Code);
        Assert.Equal(1400, p.NextHopMtu);
        Assert.True(p.IsError);
        Assert.True(p.TryGetQuotedDatagram(out var quoted, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(Ipv4Address.Parse("192.0.2.1"), quoted.Source);
        Assert.Equal(Ipv4Address.Parse("198.51.100.7"), quoted.Destination);
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
        Assert.True(quoted.DontFragment);
        Assert.Equal(1480, quoted.TotalLength);
        Assert.Equal("9c40003505b4c62e", Hex.Of(quoted.Payload)); // ports 40000 -> 53
    }

    [Fact]
    public void Constructs_fragmentation_needed_into_a_poisoned_buffer()
    {
        var quote = Hex.Bytes(Quote);
        var m = Icmpv4Message.DestinationUnreachable(Icmpv4UnreachableCode.FragmentationNeeded, quote.Length, 1400);
        var buffer = Hex.Poisoned(m.BufferLength);
        Assert.Equal(36, m.Emit(buffer, quote));
        Assert.Equal(Hex.Of(FragmentationNeeded), Hex.Of(buffer));
    }

    [Fact]
    public void Constructs_time_exceeded_with_the_quote_already_in_place()
    {
        var buffer = Hex.Poisoned(36);
        Hex.Bytes(Quote).CopyTo(buffer, 8);
        var m = Icmpv4Message.TimeExceeded(Icmpv4TimeExceededCode.TtlExceededInTransit, 28);
        Assert.Equal(8, m.Emit(buffer));
        Assert.Equal(Hex.Of(TtlExceeded), Hex.Of(buffer));
    }

    [Fact]
    public void Constructs_a_router_solicitation()
    {
        var buffer = Hex.Poisoned(8);
        Assert.Equal(8, Icmpv4Message.RouterSolicitation().Emit(buffer));
        Assert.Equal(Hex.Of(Solicitation), Hex.Of(buffer));
    }

    [Fact]
    public void Deconstructs_a_plain_router_advertisement()
    {
        Assert.True(Icmpv4Packet.TryCreate(RouterAdvertisement, ChecksumPolicy.Verify, out var p, out _));
        Assert.Equal(2, p.RouterAddressCount);
        Assert.Equal(2, p.AddressEntrySize);
        Assert.Equal(1800, p.Lifetime);
        Assert.Equal(Ipv4Address.Parse("192.0.2.1"), p.GetRouterAddress(0));
        Assert.Equal(0, p.GetPreference(0));
        Assert.Equal(Ipv4Address.Parse("192.0.2.2"), p.GetRouterAddress(1));
        Assert.Equal(-1, p.GetPreference(1));
        Assert.True(p.Extensions.IsEmpty);
        Assert.False(p.IsAgentAdvertisement);
        Assert.False(p.TryGetPrefixLengths(out _));
        Assert.True(Icmpv4Message.TryParse(RouterAdvertisement, ChecksumPolicy.Verify, out var m, out _, out _));
        Assert.Equal(Icmpv4Message.RouterAdvertisement(RouterAdvertisementCode.Normal, 2, 1800, 16), m);
        Assert.Equal(2, m.RouterAddressCount);
        Assert.Equal(2, m.AddressEntrySize);
        Assert.Equal(1800, m.Lifetime);
    }

    [Fact]
    public void Skips_the_extra_words_of_larger_address_entries()
    {
        // RFC 1256 sec 3: entries may grow; a receiver uses the first two words of each.
        var wire = Hex.Bytes("0900 0000 02 03 0708 c0000201 00000005 11111111 c0000202 00000006 22222222");
        Assert.True(Icmpv4Packet.TryCreate(wire, ChecksumPolicy.None, out var p, out _));
        Assert.Equal(Ipv4Address.Parse("192.0.2.2"), p.GetRouterAddress(1));
        Assert.Equal(6, p.GetPreference(1));
        Assert.True(p.Extensions.IsEmpty);
    }

    [Fact]
    public void Router_address_index_past_the_count_is_a_caller_error()
    {
        Assert.True(Icmpv4Packet.TryCreate(RouterAdvertisement, ChecksumPolicy.Verify, out var p, out _));
        bool threw = false;
        try { p.GetRouterAddress(2); }
        catch (ArgumentOutOfRangeException) { threw = true; }
        Assert.True(threw);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Emits_exactly_the_parsed_bytes(string hex)
    {
        var wire = Hex.Bytes(hex);
        Assert.True(Icmpv4Message.TryParse(wire, ChecksumPolicy.Verify, out var m, out int used, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(8, used);
        Assert.Equal(wire.Length, m.BufferLength);
        var buffer = Hex.Poisoned(m.BufferLength);
        Assert.Equal(m.BufferLength, m.Emit(buffer, wire.AsSpan(used)));
        Assert.Equal(hex, Hex.Of(buffer));
    }

    [Fact]
    public void Random_echo_messages_round_trip()
    {
        var rng = new Random(792);
        for (int i = 0; i < 300; i++)
        {
            var data = new byte[rng.Next(0, 100)];
            rng.NextBytes(data);
            var m = rng.Next(2) == 0
                ? Icmpv4Message.EchoRequest((ushort)rng.Next(65536), (ushort)rng.Next(65536), data.Length)
                : Icmpv4Message.EchoReply((ushort)rng.Next(65536), (ushort)rng.Next(65536), data.Length);
            var buffer = new byte[m.BufferLength];
            m.Emit(buffer, data);
            Assert.True(Icmpv4Message.TryParse(buffer, ChecksumPolicy.Verify, out var parsed, out _, out var e), e.Describe());
            Assert.Equal(m, parsed);
        }
    }

    [Fact]
    public void Leaves_the_checksum_zero_when_not_asked_to_compute()
    {
        var buffer = Hex.Poisoned(16);
        Icmpv4Message.EchoRequest(0x1234, 1, 8).Emit(buffer, "abcdefgh"u8, ChecksumPolicy.None);
        Assert.Equal("0000", Hex.Of(buffer.AsSpan(2, 2)));
    }

    [Fact]
    public void Refuses_data_of_another_length_than_announced()
    {
        Assert.Throws<ArgumentException>(() => Icmpv4Message.EchoRequest(1, 1, 8).Emit(new byte[20], "abc"u8));
    }

    [Fact]
    public void An_echo_quotes_nothing()
    {
        Assert.True(Icmpv4Packet.TryCreate(Echo, ChecksumPolicy.Verify, out var p, out _));
        Assert.False(p.TryGetQuotedDatagram(out _, out var e));
        Assert.Equal(WireError.Unsupported, e);
    }

    [Fact]
    public void A_quote_shorter_than_an_ip_header_is_truncated()
    {
        var wire = FragmentationNeeded.AsSpan(0, 8 + 19).ToArray();
        Assert.True(Icmpv4Packet.TryCreate(wire, ChecksumPolicy.None, out var p, out _));
        Assert.False(p.TryGetQuotedDatagram(out _, out var e));
        Assert.Equal(WireError.Truncated, e);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Rejects_a_bad_checksum_only_when_verifying(string hex)
    {
        var wire = Hex.Bytes(hex);
        wire[^1] ^= 0x40;
        Assert.False(Icmpv4Message.TryParse(wire, ChecksumPolicy.Verify, out var m, out int used, out var e));
        Assert.Equal(WireError.BadChecksum, e);
        Assert.Equal(0, used);
        Assert.Equal(default, m);
        Assert.True(Icmpv4Message.TryParse(wire, ChecksumPolicy.None, out _, out used, out _));
        Assert.Equal(8, used);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Rejects_a_header_shorter_than_eight_bytes(string hex)
    {
        var wire = Hex.Bytes(hex);
        for (int length = 0; length < 8; length++)
        {
            Assert.False(Icmpv4Message.TryParse(wire.AsSpan(0, length), ChecksumPolicy.None, out var m, out int used, out var e));
            Assert.Equal(WireError.Truncated, e);
            Assert.Equal(0, used);
            Assert.Equal(default, m);
        }
    }

    [Fact]
    public void Rejects_a_router_advertisement_cut_inside_its_entries()
    {
        for (int length = 8; length < RouterAdvertisement.Length; length++)
        {
            Assert.False(Icmpv4Message.TryParse(RouterAdvertisement.AsSpan(0, length), ChecksumPolicy.None, out _, out int used, out var e));
            Assert.Equal(WireError.Truncated, e);
            Assert.Equal(0, used);
        }
    }

    [Fact]
    public void Rejects_an_address_entry_size_below_two_words()
    {
        var wire = Hex.Bytes("0900 0000 01 01 0708 c0000201");
        Assert.False(Icmpv4Message.TryParse(wire, ChecksumPolicy.None, out _, out int used, out var e));
        Assert.Equal(WireError.BadLength, e);
        Assert.Equal(0, used);
    }
}
