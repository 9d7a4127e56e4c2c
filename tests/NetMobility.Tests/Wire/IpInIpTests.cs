using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class IpInIpTests
{
    // scapy 2.5.0: IP(src="192.0.2.50", dst="10.0.0.42", tos=0xb8, flags="DF", id=0x1c46, ttl=63)/ICMP(id=0x1234, seq=1)/b"ping"
    private const string InnerDf = "45b800201c4640003f015283c00002320a00002a080006fa1234000170696e67";
    // scapy: IP(src="10.0.0.1", dst="198.51.100.7", tos=0xb8, flags="DF", id=0x0101, ttl=64, proto=4)/<InnerDf>, first 20 octets
    private const string OuterDf = "45b8003401014000400404d20a000001c6336407";
    // scapy: IP(src="192.0.2.50", dst="10.0.0.42", tos=0, id=7, ttl=1)/UDP(sport=1000, dport=2000)/b"x"
    private const string InnerPlain = "4500001d000700000111ed6dc00002320a00002a03e807d00009afc778";

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
