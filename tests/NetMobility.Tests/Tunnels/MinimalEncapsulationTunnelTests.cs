using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

public class MinimalEncapsulationTunnelTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;

    // Built with scapy: the original header rewritten (src 192.0.2.1, dst 198.51.100.2, proto 55, TTL, TOS and
    // id kept, checksum by scapy), then the RFC 2004 sec 3 forwarding header packed with struct.pack and its
    // checksum from scapy.utils.checksum: protocol 1, S bit, original destination 10.0.2.2, original source 10.0.1.2.
    private static readonly byte[] WithSource = Hex.Bytes(
        "45b90033000740003f374e9dc0000201c6336402 0180e77b0a0002020a000102 080059e7000100016e65746d6f62696c697479");

    // scapy: IP(src='192.0.2.1', dst='10.0.2.2', ttl=64, id=9)/ICMP(id=1, seq=2)/b'netmobility', sent by the
    // encapsulator itself, and its encapsulation: no S bit, an 8-byte forwarding header.
    private static readonly byte[] OwnPacket = Hex.Bytes("45000027000900004001accac00002010a000202080059e6000100026e65746d6f62696c697479");
    private static readonly byte[] WithoutSource = Hex.Bytes(
        "4500002f0009000040378e58c0000201c6336402 0100f2fd0a000202 080059e6000100026e65746d6f62696c697479");

    private static MinimalEncapsulationOptions Options(Ipv4Address local, Ipv4Address remote) => new() { Local = local, Remote = remote };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Encapsulates_as_rfc_2004_says_and_restores_the_original(bool foreignSource)
    {
        var inner = foreignSource ? GreTunnelTests.Inner : OwnPacket;
        var expected = foreignSource ? WithSource : WithoutSource;
        var sent = new RecordingHost();
        using var sender = new MinimalEncapsulationTunnel(Options(A, B), sent);
        sender.Send(inner);
        Assert.Equal(Hex.Of(expected), Hex.Of(Assert.Single(sent.Transmitted)));

        var received = new RecordingHost();
        using var receiver = new MinimalEncapsulationTunnel(Options(B, A), received);
        receiver.Receive(expected);
        Assert.Equal(Hex.Of(inner), Hex.Of(Assert.Single(received.Delivered).Payload));
    }

    [Fact]
    public void Fragments_cannot_be_encapsulated_and_big_packets_are_never_fragmented()
    {
        var host = new RecordingHost();
        using var tunnel = new MinimalEncapsulationTunnel(Options(A, B), host);
        Assert.Equal(1488, tunnel.Mtu);
        var fragment = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 40);
        fragment[6] |= 0x20; // MF
        Ipv4InPlace.RewriteChecksum(fragment);
        tunnel.Send(fragment);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.Unencapsulable));

        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 1488 - 27, dontFragment: false));
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 2, 1488 - 27, dontFragment: true));
        Assert.Empty(host.Transmitted);
        Assert.Equal(1488, Assert.Single(host.TooBig).Mtu);
        Assert.Equal(2, tunnel.Counters.Dropped(TunnelDropReason.TooBig));
    }

    [Fact]
    public void A_forwarding_header_checksum_that_does_not_verify_is_dropped()
    {
        var packet = WithSource.ToArray();
        packet[24] ^= 0x01; // original destination
        var host = new RecordingHost();
        using var tunnel = new MinimalEncapsulationTunnel(Options(B, A), host);
        tunnel.Receive(packet);
        Assert.Empty(host.Delivered);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.BadChecksum));
    }
}
