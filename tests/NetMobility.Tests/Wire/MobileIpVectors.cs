using System.Text;

namespace NetMobility.Tests.Wire;

/// <summary>
/// Mobile IPv4 messages built outside this project. Fixed parts: scapy 2.5.0,
/// <c>MobileIP(type=1)/MobileIPRRQ(flags=0x8a, lifetime=1800, homeaddr="10.0.0.42", haaddr="10.0.0.1",
/// coaddr="198.51.100.7", id=0xe3a1b2c3d4e5f607)</c> and the matching <c>MobileIPRRP(code=0, ...)</c>.
/// Extensions appended as Type, Length, Data; each authenticator computed in Python as
/// <c>hmac.new(key, message_so_far + bytes([type, 20]) + spi.to_bytes(4, "big"), hashlib.md5)</c>
/// (keyed MD5: <c>hashlib.md5(key + protected + key)</c>). tshark decodes all of them with no error.
/// </summary>
internal static class MobileIpVectors
{
    public static readonly byte[] MobileHomeKey = Encoding.ASCII.GetBytes("mn-ha shared key");
    public static readonly byte[] MobileForeignKey = Encoding.ASCII.GetBytes("mn-fa key");
    public static readonly byte[] ForeignHomeKey = Hex.Bytes("0102030405060708090a0b0c0d0e0f10");

    public const string RequestFixed = "018a07080a00002a0a000001c6336407e3a1b2c3d4e5f607";
    public const string ReplyFixed = "030007080a00002a0a000001e3a1b2c3d4e5f607";

    // Fixed part, then: 130 (delivery style), 144 (UDP tunnel request, F set, IP in IP), 200 (unknown,
    // skippable, data abcd), MN-HA auth SPI 0x100, MN-FA auth SPI 0x101, FA-HA auth SPI 0x102, all HMAC-MD5.
    public const string RequestWithEveryExtension =
        RequestFixed
        + "8200"
        + "9006 000080040000"
        + "c802 abcd"
        + "2014 00000100 0de62c1299c3dc4dad252532896c6a93"
        + "2114 00000101 b065380ce325c1d79dc729a20f26f2d5"
        + "2214 00000102 723be929da629b1cc8250aba49b27a8e";

    // Fixed part (code 0), then 44 (UDP tunnel reply, F set, keepalive 110 s), MN-HA auth SPI 0x100 HMAC-MD5.
    public const string ReplyWithTunnelReply =
        ReplyFixed
        + "2c06 00008000006e"
        + "2014 00000100 925e3aa4d4f8ff9721ed80608e35ba35";

    // The request's fixed part with one MN-HA extension, SPI 0x100, keyed MD5 prefix+suffix (RFC 2002).
    public const string RequestKeyedMd5 =
        RequestFixed
        + "2014 00000100 9665554b3965cf1335d976f0789cdcb0";

    // scapy: MobileIP(type=4)/MobileIPTunnelData(nexthdr=4)/IP(src="10.0.0.1", dst="10.0.0.42", id=1, ttl=64)
    //        /ICMP(id=0x1234, seq=1)/b"ping"
    public const string TunnelData = "04040000" + "4500002000010000400166b20a0000010a00002a080006fa1234000170696e67";
}
