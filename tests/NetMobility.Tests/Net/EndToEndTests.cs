using NetMobility.Links;
using static NetMobility.Tests.Net.TwoRouters;

namespace NetMobility.Tests.Net;

public class EndToEndTests
{
    [Fact]
    public void Pings_and_numbered_flows_cross_two_routers_complete_and_in_order_both_ways()
    {
        var net = new TwoRouters();
        var at2 = net.Host2.Listen(5001);
        var at1 = net.Host1.Listen(5002);

        for (ushort i = 1; i <= 5; i++) Assert.True(net.Host1.Ping(H2Address, i));
        Assert.True(net.Host2.Ping(H1Address, 1));
        net.Sim.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.Equal([1, 2, 3, 4, 5], net.Host1.Replies.Select(r => (int)r.Sequence));
        Assert.Single(net.Host2.Replies);

        // Paced so that no queue on the way overflows: 100 packets per millisecond.
        for (int burst = 0; burst < 10; burst++)
        {
            Assert.Equal(100, net.Host1.SendNumbered(H2Address, 5001, 100, payloadLength: 1000, firstSequence: (uint)(burst * 100 * 1000)));
            Assert.Equal(100, net.Host2.SendNumbered(H1Address, 5002, 100, payloadLength: 500, firstSequence: 7 + (uint)(burst * 100 * 500)));
            net.Sim.RunFor(TimeSpan.FromMilliseconds(1));
        }
        net.Sim.RunFor(TimeSpan.FromMilliseconds(10));

        Assert.True(at2.IsCompleteAndInOrder(1000, 1000));
        Assert.True(at1.IsCompleteAndInOrder(1000, 500, firstSequence: 7));
        Assert.Equal(H1Address, at2.LastSource);
        Assert.Equal(0, net.R1.Counters.TotalDrops + net.R2.Counters.TotalDrops + net.H1.Counters.TotalDrops + net.H2.Counters.TotalDrops);
    }

    [Fact]
    public void Over_a_slow_distant_WAN_a_flow_arrives_complete_in_order_and_paced_by_the_bandwidth()
    {
        // 20 ms each way, 8 Mbit/s: a 1054-byte frame (1000 bytes of payload, TCP 20, IPv4 20, Ethernet 14) leaves every 1.054 ms.
        var wan = new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(20), BandwidthBitsPerSecond = 8_000_000 };
        var net = new TwoRouters(wan: wan);
        var at2 = net.Host2.Listen(5001);
        net.Host1.Ping(H2Address, 1);
        net.Sim.RunFor(TimeSpan.FromSeconds(1));
        net.Host1.Ping(H2Address, 2);
        net.Sim.RunFor(TimeSpan.FromSeconds(1));
        // The first round trip waited for ARP across the WAN as well; the second is the path alone.
        Assert.Equal(TimeSpan.FromMilliseconds(80), net.Host1.Replies[0].RoundTrip);
        Assert.InRange(net.Host1.Replies[1].RoundTrip, TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(41));

        var start = net.Sim.Now;
        Assert.Equal(200, net.Host1.SendNumbered(H2Address, 5001, 200, payloadLength: 1000));
        net.Sim.RunFor(TimeSpan.FromSeconds(2));

        Assert.True(at2.IsCompleteAndInOrder(200, 1000));
        var first = at2.Arrivals[0] - start;
        var spread = at2.Arrivals[^1] - at2.Arrivals[0];
        Assert.InRange(first, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(22));
        // 199 gaps of 1.054 ms, less the head start the bucket's one-frame burst credit gives the second frame.
        Assert.InRange(spread.TotalMilliseconds, 199 * 1.054 - 1.5, 199 * 1.054);
    }

    [Fact]
    public void Losses_on_the_WAN_show_up_as_exactly_the_missing_packets()
    {
        var wan = new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(5), Loss = 0.05, Seed = 11 };
        var net = new TwoRouters(wan: wan);
        var at2 = net.Host2.Listen(5001);
        // Neighbours are known before the flow: ARP itself stays off the lossy path, and no packet waits on a resolution.
        net.R1.Arp.AddStatic(net.R1Wan, Ipv4Address("192.0.2.2"), net.R2Wan.Mac);
        net.R2.Arp.AddStatic(net.R2Wan, Ipv4Address("192.0.2.1"), net.R1Wan.Mac);
        net.H1.Arp.AddStatic(net.H1Lan, Ipv4Address("10.1.0.1"), net.R1Lan.Mac);
        net.R2.Arp.AddStatic(net.R2Lan, H2Address, net.H2Lan.Mac);

        for (int burst = 0; burst < 10; burst++)
        {
            net.Host1.SendNumbered(H2Address, 5001, 100, payloadLength: 200, firstSequence: (uint)(burst * 100 * 200));
            net.Sim.RunFor(TimeSpan.FromMilliseconds(1));
        }
        net.Sim.RunFor(TimeSpan.FromSeconds(1));

        var lost = ((ImpairedLink)net.R1Wan.Link!).Counters.Drops(LinkDrop.Lost);
        Assert.InRange(lost, 20, 80);
        Assert.Equal(lost, at2.Missing(1000, 200).Count);
        Assert.Equal(1000 - lost, at2.Sequences.Count);
        Assert.Equal(0, at2.OutOfOrder);
        Assert.Equal(0, at2.CorruptPayloads);
        Assert.Equal(0, net.R1.Counters.TotalDrops + net.R2.Counters.TotalDrops + net.H2.Counters.TotalDrops);
    }

    private static NetMobility.Wire.Ipv4Address Ipv4Address(string text) => NetMobility.Wire.Ipv4Address.Parse(text);
}
