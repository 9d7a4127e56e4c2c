using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

public class IpInIpTunnelTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;

    // scapy: IP(src='192.0.2.1', dst='198.51.100.2', id=0, flags='DF', ttl=63, tos=0xb8, proto=4)/Inner
    private static readonly byte[] ScapyOuter = Hex.Bytes("45b8003b000040003f044ed0c0000201c6336402" + Hex.Of(GreTunnelTests.Inner));

    private static IpInIpTunnelOptions Options(Ipv4Address local, Ipv4Address remote) => new() { Local = local, Remote = remote };

    [Fact]
    public void Encapsulates_exactly_as_scapy_does_and_decapsulates_back()
    {
        var sent = new RecordingHost();
        using var sender = new IpInIpTunnel(Options(A, B), sent);
        sender.Send(GreTunnelTests.Inner);
        Assert.Equal(Hex.Of(ScapyOuter), Hex.Of(Assert.Single(sent.Transmitted)));
        Assert.Equal(1480, sender.Mtu);

        var received = new RecordingHost();
        using var receiver = new IpInIpTunnel(Options(B, A), received);
        receiver.Receive(ScapyOuter);
        var (protocol, payload) = Assert.Single(received.Delivered);
        Assert.Equal(EtherType.Ipv4, protocol);
        Assert.Equal(Hex.Of(GreTunnelTests.Inner), Hex.Of(payload));
        Assert.Equal(IpProtocol.IpInIp, receiver.OuterProtocol);
    }

    [Fact]
    public void The_mtu_rules_apply_as_for_gre()
    {
        var host = new RecordingHost();
        using var tunnel = new IpInIpTunnel(Options(A, B) with { UnderlayMtu = 600 }, host);
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 600, dontFragment: true));
        Assert.Equal(580, Assert.Single(host.TooBig).Mtu);
        tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 600, dontFragment: false));
        Assert.Equal(2, host.Transmitted.Count);
        Assert.All(host.Transmitted, p => Assert.True(p.Length <= 600));
    }

    [Theory]
    [InlineData("inner version 6", TunnelDropReason.UnknownProtocol)]
    [InlineData("inner truncated", TunnelDropReason.Malformed)]
    [InlineData("wrong protocol", TunnelDropReason.Malformed)]
    [InlineData("from elsewhere", TunnelDropReason.AddressMismatch)]
    public void Bad_outer_packets_are_dropped_for_the_right_reason(string damage, TunnelDropReason reason)
    {
        var packet = ScapyOuter.ToArray();
        switch (damage)
        {
            case "inner version 6": packet[20] = 0x65; break;
            case "inner truncated": packet[23] += 1; break;
            case "wrong protocol": packet[9] = 47; Ipv4InPlace.RewriteChecksum(packet); break;
            case "from elsewhere": packet[15] = 9; Ipv4InPlace.RewriteChecksum(packet); break;
        }
        var host = new RecordingHost();
        using var tunnel = new IpInIpTunnel(Options(B, A), host);
        tunnel.Receive(packet);
        Assert.Empty(host.Delivered);
        Assert.Equal(1, tunnel.Counters.Dropped(reason));
    }
}
