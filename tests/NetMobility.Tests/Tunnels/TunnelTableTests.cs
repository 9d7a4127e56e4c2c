using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

public class TunnelTableTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;
    private static readonly Ipv4Address C = Ipv4Address.Parse("203.0.113.9");

    private static GreTunnel Gre(RecordingHost host, uint? ikey) =>
        new(new GreTunnelOptions { Local = B, Remote = A, InputKey = ikey }, new ManualTimeProvider(), host);

    /// <summary>An outer packet from A to B as a GRE sender with <paramref name="okey"/> builds it.</summary>
    private static byte[] FromA(uint? okey, int sequence)
    {
        var host = new RecordingHost();
        using var sender = new GreTunnel(new GreTunnelOptions { Local = A, Remote = B, OutputKey = okey }, new ManualTimeProvider(), host);
        sender.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, sequence, 8));
        return host.Transmitted[0];
    }

    [Fact]
    public void Packets_go_to_the_tunnel_with_their_protocol_addresses_and_key()
    {
        var keyed1 = new RecordingHost();
        var keyed2 = new RecordingHost();
        var plain = new RecordingHost();
        var ipip = new RecordingHost();
        var table = new TunnelTable();
        table.Add(Gre(keyed1, 1));
        table.Add(Gre(keyed2, 2));
        table.Add(Gre(plain, null));
        table.Add(new IpInIpTunnel(new IpInIpTunnelOptions { Local = B, Remote = A }, ipip));
        Assert.Equal(4, table.Count);

        Assert.True(table.Receive(FromA(okey: 2, sequence: 20)));
        Assert.True(table.Receive(FromA(okey: 1, sequence: 10)));
        Assert.True(table.Receive(FromA(okey: null, sequence: 30)));
        var ipipHost = new RecordingHost();
        new IpInIpTunnel(new IpInIpTunnelOptions { Local = A, Remote = B }, ipipHost).Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 40, 8));
        Assert.True(table.Receive(ipipHost.Transmitted[0]));

        Assert.Equal([10], keyed1.DeliveredEchoSequences());
        Assert.Equal([20], keyed2.DeliveredEchoSequences());
        Assert.Equal([30], plain.DeliveredEchoSequences());
        Assert.Equal([40], ipip.DeliveredEchoSequences());
        Assert.Equal(0, table.Unmatched);
    }

    [Fact]
    public void A_key_no_tunnel_has_lands_on_a_tunnel_between_the_same_addresses_and_is_counted_there()
    {
        var table = new TunnelTable();
        var host = new RecordingHost();
        var tunnel = Gre(host, 1);
        table.Add(tunnel);
        Assert.True(table.Receive(FromA(okey: 99, sequence: 0)));
        Assert.True(table.Receive(FromA(okey: null, sequence: 1)));
        Assert.Empty(host.Delivered);
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.BadKey));
        Assert.Equal(1, tunnel.Counters.Dropped(TunnelDropReason.MissingKey));
    }

    [Fact]
    public void Packets_between_other_addresses_or_of_other_protocols_are_unmatched()
    {
        var table = new TunnelTable();
        table.Add(Gre(new RecordingHost(), null));
        var other = FromA(okey: null, sequence: 0);
        other[15] = 7; // destination 198.51.100.7
        Ipv4InPlace.RewriteChecksum(other);
        Assert.False(table.Receive(other));
        var ipip = new RecordingHost();
        new IpInIpTunnel(new IpInIpTunnelOptions { Local = A, Remote = B }, ipip).Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 0, 8));
        Assert.False(table.Receive(ipip.Transmitted[0]));
        Assert.False(table.Receive(Hex.Bytes("4500")));
        Assert.Equal(3, table.Unmatched);
    }

    [Fact]
    public void Tunnels_come_and_go_and_duplicates_are_refused()
    {
        var table = new TunnelTable();
        var first = Gre(new RecordingHost(), 5);
        var second = Gre(new RecordingHost(), 6);
        table.Add(first);
        table.Add(second);
        Assert.Throws<InvalidOperationException>(() => table.Add(Gre(new RecordingHost(), 5)));
        Assert.Same(first, table.Find(FromA(okey: 5, sequence: 0)));

        Assert.True(table.Remove(first));
        Assert.False(table.Remove(first));
        // Key 5 has no tunnel now; the packet falls back to the other tunnel between A and B.
        Assert.Same(second, table.Find(FromA(okey: 5, sequence: 0)));
        Assert.True(table.Remove(second));
        Assert.Null(table.Find(FromA(okey: 6, sequence: 0)));
        Assert.Equal(0, table.Count);
        var tunnel = new IpInIpTunnel(new IpInIpTunnelOptions { Local = B, Remote = C }, new RecordingHost());
        table.Add(tunnel);
        Assert.Equal([tunnel], table.Endpoints);
    }
}
