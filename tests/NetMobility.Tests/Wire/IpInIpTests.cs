using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class IpInIpTests
{
    private static readonly Ipv4Address Entry = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address Exit = Ipv4Address.Parse("198.51.100.7");

    // scapy 2.5.0: IP(src="192.0.2.50", dst="10.0.0.42", tos=0xb8, flags="DF", id=0x1c46, ttl=63)/ICMP(id=0x1234, seq=1)/b"ping"
    private const string InnerDf = "45b800201c4640003f015283c00002320a00002a080006fa1234000170696e67";
    // scapy: IP(src="10.0.0.1", dst="198.51.100.7", tos=0xb8, flags="DF", id=0x0101, ttl=64, proto=4)/<InnerDf>, first 20 octets
    private const string OuterDf = "45b8003401014000400404d20a000001c6336407";
    // scapy: IP(src="192.0.2.50", dst="10.0.0.42", tos=0, id=7, ttl=1)/UDP(sport=1000, dport=2000)/b"x"
    private const string InnerPlain = "4500001d000700000111ed6dc00002320a00002a03e807d00009afc778";
    // scapy: IP(src="10.0.0.1", dst="198.51.100.7", tos=0, id=0x0202, ttl=32, proto=4)/<InnerPlain>, first 20 octets
    private const string OuterPlain = "45000031020200002004648c0a000001c6336407";

    [Theory]
    [InlineData(InnerDf, OuterDf, 64, 0x0101)]
    [InlineData(InnerPlain, OuterPlain, 32, 0x0202)]
    public void Encapsulates_into_the_scapy_outer_header(string inner, string outer, byte ttl, ushort id)
    {
        var innerBytes = Hex.Bytes(inner);
        var packet = Hex.Poisoned(IpInIp.OuterHeaderLength + innerBytes.Length);
        innerBytes.CopyTo(packet, IpInIp.OuterHeaderLength);

        Assert.True(IpInIp.TryEncapsulate(packet, innerBytes.Length, Entry, Exit, ttl, id, out int length, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(packet.Length, length);
        Assert.Equal(outer + inner, Hex.Of(packet));
    }

    [Fact]
    public void Outer_fields_copy_tos_and_df_from_the_inner_header()
    {
        Assert.True(IpInIp.TryDeriveOuterFields(Hex.Bytes(InnerDf), out var df, out _));
        Assert.Equal(new IpInIpOuterFields(0xb8, true, 52), df);
        Assert.True(IpInIp.TryDeriveOuterFields(Hex.Bytes(InnerPlain), out var plain, out _));
        Assert.Equal(new IpInIpOuterFields(0, false, 49), plain);
    }

    [Fact]
    public void Link_padding_after_the_inner_datagram_is_left_out()
    {
        var inner = Hex.Bytes(InnerPlain + "000000");
        var packet = Hex.Poisoned(IpInIp.OuterHeaderLength + inner.Length);
        inner.CopyTo(packet, IpInIp.OuterHeaderLength);
        Assert.True(IpInIp.TryEncapsulate(packet, inner.Length, Entry, Exit, 32, 0x0202, out int length, out _));
        Assert.Equal(49, length);
        Assert.Equal(OuterPlain + InnerPlain, Hex.Of(packet.AsSpan(0, length)));
    }

    [Theory]
    [InlineData(64, true, true, 63)]
    [InlineData(64, false, true, 64)]
    [InlineData(1, true, false, 0)] // RFC 2003 sec 3.1: TTL 0 after the decrement: discard
    [InlineData(0, false, false, 0)] // MUST NOT encapsulate a datagram with TTL 0
    public void Inner_ttl_follows_rfc2003_sec_3_1(byte ttl, bool forwarding, bool allowed, byte after)
    {
        Assert.Equal(allowed, IpInIp.TryInnerTtlAfterEncapsulation(ttl, forwarding, out byte result));
        Assert.Equal(after, result);
    }

    [Theory]
    [InlineData("45b80020", WireError.Truncated)] // shorter than an IPv4 header
    [InlineData("65b800201c4640003f015283c00002320a00002a", WireError.BadVersion)]
    [InlineData("44b800201c4640003f015283c00002320a00002a", WireError.BadLength)] // IHL 4
    [InlineData("45b800101c4640003f015283c00002320a00002a", WireError.BadLength)] // total length 16 < header
    [InlineData("45b800301c4640003f015283c00002320a00002a", WireError.Truncated)] // total length 48 > 20 octets present
    public void Refuses_inner_datagrams_that_are_not_whole_ipv4_and_writes_nothing(string inner, WireError expected)
    {
        var innerBytes = Hex.Bytes(inner);
        var packet = Hex.Poisoned(IpInIp.OuterHeaderLength + innerBytes.Length);
        innerBytes.CopyTo(packet, IpInIp.OuterHeaderLength);

        Assert.False(IpInIp.TryEncapsulate(packet, innerBytes.Length, Entry, Exit, 64, 1, out int length, out var e));
        Assert.Equal(expected, e);
        Assert.Equal(0, length);
        Assert.All(packet.AsSpan(0, IpInIp.OuterHeaderLength).ToArray(), b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void Refuses_an_inner_datagram_that_would_outgrow_ipv4()
    {
        // Total length 65516: with a 20-octet outer header the datagram would be 65536 octets.
        var inner = new byte[65516];
        Hex.Bytes("4500ffec 00000000 40010000 0a000001 0a000002").CopyTo(inner, 0);
        Assert.False(IpInIp.TryDeriveOuterFields(inner, out _, out var e));
        Assert.Equal(WireError.BadLength, e);
    }

    [Fact]
    public void Decapsulation_finds_the_inner_datagram()
    {
        var outer = Hex.Bytes(OuterDf + InnerDf + "0000"); // with link padding
        Assert.True(IpInIp.TryDecapsulate(outer, out int offset, out int length, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(InnerDf, Hex.Of(outer.AsSpan(offset, length)));
    }

    [Theory]
    [InlineData("45000031020200002011648c0a000001c6336407" + InnerPlain, WireError.Unsupported)] // protocol 17, not 4
    [InlineData("45000028020200002004648c0a000001c6336407" + InnerPlain, WireError.Truncated)] // outer length cuts the inner datagram
    [InlineData("45000031020200002004648c0a000001c6336407" + "6500001d000700000111ed6dc00002320a00002a03e807d00009afc778", WireError.BadVersion)]
    public void Decapsulation_refuses_what_is_not_ip_in_ip(string outer, WireError expected)
    {
        Assert.False(IpInIp.TryDecapsulate(Hex.Bytes(outer), out int offset, out int length, out var e));
        Assert.Equal(expected, e);
        Assert.Equal((0, 0), (offset, length));
    }
}
