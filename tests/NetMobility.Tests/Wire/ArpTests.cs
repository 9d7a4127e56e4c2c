using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class ArpTests
{
    // Reference bytes from scapy 2.5 (/usr/bin/python3):
    // ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='192.0.2.1', pdst='192.0.2.2')
    private static readonly byte[] Request = Hex.Bytes("0001 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202");
    // ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='192.0.2.2', hwdst='02:00:00:00:00:01', pdst='192.0.2.1')
    private static readonly byte[] Reply = Hex.Bytes("0001 0800 06 04 0002 020000000002 c0000202 020000000001 c0000201");
    // ARP(op=1, hwsrc='02:00:00:00:00:0a', psrc='10.1.0.10', hwdst='00:00:00:00:00:00', pdst='10.1.0.10')
    private static readonly byte[] Announcement = Hex.Bytes("0001 0800 06 04 0001 02000000000a 0a01000a 000000000000 0a01000a");
    // The same with psrc='0.0.0.0': an RFC 5227 probe.
    private static readonly byte[] Probe = Hex.Bytes("0001 0800 06 04 0001 02000000000a 00000000 000000000000 0a01000a");
    // Ether(type=0x8035)/ARP(op=3, hwsrc=hwdst='52:54:00:12:34:56', psrc=pdst='0.0.0.0'), Ethernet header removed;
    // tshark 4.0 decodes it as arp.opcode 3 (reverse request).
    private static readonly byte[] Reverse = Hex.Bytes("0001 0800 06 04 0003 525400123456 00000000 525400123456 00000000");

    [Fact]
    public void Deconstructs_a_request()
    {
        Assert.True(ArpPacket.TryCreate(Request, out var p, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(ArpOpcode.Request, p.Opcode);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), p.SenderMac);
        Assert.Equal(Ipv4Address.Parse("192.0.2.1"), p.SenderIp);
        Assert.Equal(MacAddress.Zero, p.TargetMac);
        Assert.Equal(Ipv4Address.Parse("192.0.2.2"), p.TargetIp);
        Assert.Equal(28, p.Buffer.Length);
    }

    [Fact]
    public void Parses_a_reply_and_ignores_ethernet_padding()
    {
        var padded = new byte[46];
        Reply.CopyTo(padded, 0);
        Assert.True(ArpMessage.TryParse(padded, out var m, out int used, out var e));
        Assert.Equal(WireError.None, e);
        Assert.Equal(28, used);
        Assert.Equal(ArpMessage.Reply(MacAddress.Parse("02:00:00:00:00:02"), Ipv4Address.Parse("192.0.2.2"),
                                      MacAddress.Parse("02:00:00:00:00:01"), Ipv4Address.Parse("192.0.2.1")), m);
        Assert.Equal(EtherType.Arp, m.EtherType);
        Assert.False(m.IsGratuitous);
        Assert.False(m.IsProbe);
    }

    [Fact]
    public void Recognises_an_announcement_as_gratuitous()
    {
        Assert.True(ArpMessage.TryParse(Announcement, out var m, out _, out _));
        Assert.True(m.IsGratuitous);
        Assert.False(m.IsProbe);
        Assert.Equal(ArpMessage.Announcement(MacAddress.Parse("02:00:00:00:00:0a"), Ipv4Address.Parse("10.1.0.10")), m);
    }

    [Fact]
    public void Recognises_a_gratuitous_reply()
    {
        var m = ArpMessage.Reply(MacAddress.Parse("02:00:00:00:00:0a"), Ipv4Address.Parse("10.1.0.10"),
                                 MacAddress.Broadcast, Ipv4Address.Parse("10.1.0.10"));
        Assert.True(m.IsGratuitous);
    }

    [Fact]
    public void Recognises_a_probe()
    {
        Assert.True(ArpMessage.TryParse(Probe, out var m, out _, out _));
        Assert.True(m.IsProbe);
        Assert.False(m.IsGratuitous);
        Assert.Equal(ArpMessage.Probe(MacAddress.Parse("02:00:00:00:00:0a"), Ipv4Address.Parse("10.1.0.10")), m);
    }

    [Fact]
    public void Parses_a_rarp_request_as_a_hypervisor_sends_it()
    {
        Assert.True(ArpMessage.TryParse(Reverse, out var m, out _, out _));
        Assert.Equal(ArpOpcode.ReverseRequest, m.Opcode);
        Assert.True(m.IsReverse);
        Assert.Equal(EtherType.Rarp, m.EtherType);
        Assert.False(m.IsGratuitous);
        Assert.Equal(ArpMessage.ReverseRequest(MacAddress.Parse("52:54:00:12:34:56")), m);
    }

    public static TheoryData<string> Vectors => new() { Hex.Of(Request), Hex.Of(Reply), Hex.Of(Announcement), Hex.Of(Probe), Hex.Of(Reverse) };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Emits_exactly_the_parsed_bytes(string hex)
    {
        var wire = Hex.Bytes(hex);
        Assert.True(ArpMessage.TryParse(wire, out var m, out int used, out _));
        var buffer = Hex.Poisoned(m.Length);
        Assert.Equal(used, m.Emit(buffer));
        Assert.Equal(hex, Hex.Of(buffer));
    }

    [Fact]
    public void Constructs_a_request_into_a_poisoned_buffer()
    {
        var m = ArpMessage.Request(MacAddress.Parse("02:00:00:00:00:01"), Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("192.0.2.2"));
        var buffer = Hex.Poisoned(ArpMessage.PacketLength + 4);
        Assert.Equal(28, m.Emit(buffer));
        Assert.Equal(Hex.Of(Request) + "a5a5a5a5", Hex.Of(buffer));
    }

    [Fact]
    public void Rejects_every_truncation_and_consumes_nothing()
    {
        for (int length = 0; length < Request.Length; length++)
        {
            Assert.False(ArpMessage.TryParse(Request.AsSpan(0, length), out var m, out int used, out var e));
            Assert.Equal(WireError.Truncated, e);
            Assert.Equal(0, used);
            Assert.Equal(default, m);
        }
    }

    [Theory]
    [InlineData("0006 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202")] // IEEE 802 hardware
    [InlineData("0001 86dd 06 04 0001 020000000001 c0000201 000000000000 c0000202")] // IPv6 protocol type
    [InlineData("0001 0800 08 04 0001 020000000001 c0000201 000000000000 c0000202")] // hardware length 8
    [InlineData("0001 0800 06 10 0001 020000000001 c0000201 000000000000 c0000202")] // protocol length 16
    [InlineData("0001 0800 06 04 0008 020000000001 c0000201 000000000000 c0000202")] // InARP request (RFC 2390)
    [InlineData("0001 0800 06 04 0000 020000000001 c0000201 000000000000 c0000202")] // opcode 0
    [InlineData("0001 0800 08 04 0001")]                                              // unsupported before truncated
    public void Rejects_other_address_types_and_opcodes(string hex)
    {
        Assert.False(ArpMessage.TryParse(Hex.Bytes(hex), out _, out int used, out var e));
        Assert.Equal(WireError.Unsupported, e);
        Assert.Equal(0, used);
    }
}
