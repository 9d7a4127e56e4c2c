using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

public class Icmpv4ErrorTests
{
    private static readonly Ipv4Address RouterAddress = Ipv4Address.Parse("10.0.0.254");

    // IP(src='192.0.2.1', dst='198.51.100.7', id=0x1234, ttl=64)/UDP(sport=434, dport=434)/b'hello' (scapy 2.5)
    private static readonly byte[] SmallUdp = Hex.Bytes("4500 0021 1234 0000 4011 7c5c c0000201 c6336407  01b2 01b2 000d cc61 68656c6c6f");

    // IP(src='10.0.0.254', dst='192.0.2.1', tos=0xc0, ttl=64, id=0)/ICMP(type=3, code=3)/SmallUdp (scapy 2.5)
    private static readonly byte[] PortUnreachable = Hex.Bytes(
        "45c0 003d 0000 0000 4001 ad01 0a0000fe c0000201  0303 e957 00000000" + Hex.Of(SmallUdp));

    // IP(src='192.0.2.1', dst='198.51.100.7', id=0x1234, flags='DF', ttl=64)/UDP(sport=40000, dport=53)/(bytes(range(256))*6)[:1452]
    private static byte[] LargeUdp()
    {
        var datagram = new byte[1480];
        Hex.Bytes("450005c812344000401136b5c0000201c6336407 9c40003505b4ff94").CopyTo(datagram, 0);
        for (int i = 28; i < datagram.Length; i++) datagram[i] = (byte)(i - 28);
        return datagram;
    }

    private static Ipv4Packet View(byte[] datagram)
    {
        Assert.True(Ipv4Packet.TryCreate(datagram, ChecksumPolicy.Verify, out var packet, out var e), e.Describe());
        return packet;
    }

    [Fact]
    public void Quotes_a_small_datagram_whole()
    {
        var buffer = Hex.Poisoned(Icmpv4Error.MaxDatagramLength);
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, RouterAddress, View(SmallUdp), Icmpv4UnreachableCode.Port);
        Assert.Equal(61, length);
        Assert.Equal(Hex.Of(PortUnreachable), Hex.Of(buffer.AsSpan(0, length)));
        Assert.Equal(0xa5, buffer[length]);
    }

    [Fact]
    public void Quotes_as_much_of_a_large_datagram_as_fits_in_576_bytes()
    {
        // IP(src='10.0.0.254', dst='192.0.2.1', tos=0xc0, ttl=64, id=0x99)/ICMP(type=3, code=4, nexthopmtu=1400)/LargeUdp[:548]
        // (scapy 2.5) starts with these 28 bytes.
        var offending = LargeUdp();
        var buffer = Hex.Poisoned(600);
        int length = Icmpv4Error.EmitDestinationUnreachable(buffer, RouterAddress, View(offending),
            Icmpv4UnreachableCode.FragmentationNeeded, nextHopMtu: 1400, identification: 0x99);
        Assert.Equal(576, length);
        Assert.Equal("45c00240009900004001aa650a0000fec0000201" + "0304c93500000578", Hex.Of(buffer.AsSpan(0, 28)));
        Assert.Equal(Hex.Of(offending.AsSpan(0, 548)), Hex.Of(buffer.AsSpan(28, 548)));
        Assert.Equal(0xa5, buffer[576]);
    }

    [Fact]
    public void Emits_time_exceeded_that_parses_back()
    {
        var buffer = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitTimeExceeded(buffer, RouterAddress, View(LargeUdp()), Icmpv4TimeExceededCode.TtlExceededInTransit);
        Assert.True(Ipv4Packet.TryCreate(buffer.AsSpan(0, length), ChecksumPolicy.Verify, out var ip, out var e), e.Describe());
        Assert.Equal(RouterAddress, ip.Source);
        Assert.Equal(Ipv4Address.Parse("192.0.2.1"), ip.Destination);
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.Equal(48, ip.Dscp);
        Assert.Equal(64, ip.TimeToLive);
        Assert.True(Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out var icmp, out e), e.Describe());
        Assert.Equal(Icmpv4Type.TimeExceeded, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.True(icmp.TryGetQuotedDatagram(out var quoted, out _));
        Assert.Equal(Ipv4Address.Parse("198.51.100.7"), quoted.Destination);
        Assert.Equal(528, quoted.Payload.Length);
    }

    [Fact]
    public void Shortens_the_quote_to_fit_a_smaller_buffer()
    {
        var buffer = new byte[28 + 28];
        int length = Icmpv4Error.EmitTimeExceeded(buffer, RouterAddress, View(LargeUdp()), Icmpv4TimeExceededCode.TtlExceededInTransit);
        Assert.Equal(56, length);
        Assert.True(Ipv4Packet.TryCreate(buffer, ChecksumPolicy.Verify, out var ip, out _));
        Assert.True(Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out _, out var e), e.Describe());
    }

    [Fact]
    public void Refuses_a_buffer_too_small_for_header_and_eight_bytes()
    {
        var offending = LargeUdp();
        Assert.Throws<ArgumentException>(() =>
            Icmpv4Error.EmitTimeExceeded(new byte[55], RouterAddress, View(offending), Icmpv4TimeExceededCode.TtlExceededInTransit));
    }

    [Fact]
    public void May_report_an_ordinary_datagram_or_an_echo()
    {
        Assert.True(Icmpv4Error.MaySendFor(View(SmallUdp)));
        var echo = Datagram(Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.7"), IpProtocol.Icmp, Hex.Bytes("0800f7fd00010001"));
        Assert.True(Icmpv4Error.MaySendFor(View(echo)));
    }

    [Theory]
    [InlineData("0300fcff00000000")] // destination unreachable
    [InlineData("0b00f4ff00000000")] // time exceeded
    [InlineData("0c00f3ff00000000")] // parameter problem
    [InlineData("0500faff00000000")] // redirect
    public void Never_reports_an_icmp_error(string icmp)
    {
        var datagram = Datagram(Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.7"), IpProtocol.Icmp, Hex.Bytes(icmp));
        Assert.False(Icmpv4Error.MaySendFor(View(datagram)));
    }

    [Theory]
    [InlineData("0.0.0.0", "198.51.100.7")]
    [InlineData("0.1.2.3", "198.51.100.7")]
    [InlineData("127.0.0.1", "198.51.100.7")]
    [InlineData("224.0.0.5", "198.51.100.7")]
    [InlineData("240.0.0.1", "198.51.100.7")]
    [InlineData("255.255.255.255", "198.51.100.7")]
    [InlineData("192.0.2.1", "255.255.255.255")]
    [InlineData("192.0.2.1", "224.0.0.1")]
    public void Never_reports_to_or_about_addresses_that_name_no_single_host(string source, string destination)
    {
        var datagram = Datagram(Ipv4Address.Parse(source), Ipv4Address.Parse(destination), IpProtocol.Udp, new byte[8]);
        Assert.False(Icmpv4Error.MaySendFor(View(datagram)));
    }

    [Fact]
    public void Reports_only_the_first_fragment()
    {
        var first = Datagram(Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.7"), IpProtocol.Udp, new byte[8], moreFragments: true);
        var later = Datagram(Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.7"), IpProtocol.Udp, new byte[8], fragmentOffset: 185);
        Assert.True(Icmpv4Error.MaySendFor(View(first)));
        Assert.False(Icmpv4Error.MaySendFor(View(later)));
    }

    private static byte[] Datagram(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, byte[] payload,
        bool moreFragments = false, ushort fragmentOffset = 0)
    {
        var header = new Ipv4Header(source, destination, protocol, payload.Length, MoreFragments: moreFragments, FragmentOffset: fragmentOffset);
        var datagram = new byte[header.BufferLength];
        header.Emit(datagram);
        payload.CopyTo(datagram, header.Length);
        return datagram;
    }
}
