using NetMobility.Wire;

namespace NetMobility.Tests.Wire;

/// <summary>The per-packet paths of a forwarding router and a tunnel endpoint allocate nothing on the managed heap.</summary>
public class WireAllocationTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("192.0.2.1");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("198.51.100.7");
    private static readonly Ipv4Address Router = Ipv4Address.Parse("10.0.0.254");

    // scapy vectors from Ipv4Tests, TcpTests and UdpTests: an IPv4 header with a Record Route option, a TCP SYN with
    // options, a UDP datagram in IPv4.
    private static readonly byte[] RecordRoute = Hex.Bytes("4800002800080000400144ae0a0000010a00000201070b040a090909000000000800f7fd00010001");
    private static readonly byte[] Syn = Hex.Bytes("9c4000500102030400000000a002faf0ddfa0000020405b40402080a0001e2400000000001030307");
    private static readonly byte[] Udp = Hex.Bytes("450000211234000040117c5cc0000201c633640701b201b2000dcc6168656c6c6f");

    [Fact]
    public void Parsing_forwarding_and_emitting_allocate_nothing()
    {
        var datagram = (byte[])Udp.Clone();
        var output = new byte[Icmpv4Error.MaxDatagramLength];
        Run(datagram, output); // first calls may initialise statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Run(datagram, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    private static void Run(byte[] datagram, byte[] output)
    {
        Assert.True(Ipv4Header.TryParse(RecordRoute, ChecksumPolicy.Verify, out var withOptions, out _, out _));
        withOptions.Emit(output);
        foreach (var option in new Ipv4OptionReader(withOptions.Options.Span)) _ = option.Type;

        Assert.True(Ipv4Packet.TryCreate(datagram, ChecksumPolicy.Verify, out var packet, out _));
        Assert.True(UdpHeader.TryParse(packet.Payload, packet.Source, packet.Destination, ChecksumPolicy.Verify, out var udp, out _, out _));
        datagram[8] = 64; // keep a TTL to decrement
        Ipv4InPlace.RewriteChecksum(datagram);
        Assert.True(Ipv4InPlace.TryDecrementTimeToLive(datagram));
        Assert.True(Ipv4Packet.TryCreate(datagram, ChecksumPolicy.Verify, out packet, out _));
        Assert.True(Icmpv4Error.MaySendFor(packet));
        Icmpv4Error.EmitTimeExceeded(output, Router, packet, Icmpv4TimeExceededCode.TtlExceededInTransit);
        Assert.True(Ipv4Packet.TryCreate(output.AsSpan(0, 20 + 8 + datagram.Length), ChecksumPolicy.Verify, out var error, out _));
        Assert.True(Icmpv4Packet.TryCreate(error.Payload, ChecksumPolicy.Verify, out var icmp, out _));
        Assert.True(icmp.TryGetQuotedDatagram(out _, out _));
        udp.Emit(output.AsSpan(20), Client, Server);

        Assert.True(TcpHeader.TryParse(Syn, Client, Server, ChecksumPolicy.Verify, out var tcp, out _, out _));
        _ = (tcp.MaxSegmentSize, tcp.WindowScale, tcp.Timestamps);
        tcp.Emit(output, Client, Server);

        Span<byte> advertisement = stackalloc byte[64];
        var writer = new AgentAdvertisementWriter(advertisement, 1800);
        writer.AddMobilityAgentAdvertisement(1, 600, MobilityAgentFlags.ForeignAgent, [Router]);
        int length = writer.Finish();
        Assert.True(Icmpv4Packet.TryCreate(advertisement[..length], ChecksumPolicy.Verify, out var agent, out _));
        Assert.True(agent.TryGetMobilityAgentAdvertisement(out _));
    }
}
