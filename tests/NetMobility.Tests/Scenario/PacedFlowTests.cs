using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Scenario;
using NetMobility.Testbed;
using NetMobility.Wire;

namespace NetMobility.Tests.Scenario;

public class PacedFlowTests
{
    private const int Payload = 100;

    private static (Topology Net, TestHost A, TestHost B) TwoHosts()
    {
        var net = new Topology();
        var link = net.AddSegment("lan");
        var a = net.AddHost("a");
        var b = net.AddHost("b");
        net.Attach(a, link, "10.0.0.1/24");
        net.Attach(b, link, "10.0.0.2/24");
        return (net, new TestHost(a), new TestHost(b));
    }

    [Fact]
    public void Sends_numbered_packets_at_the_rate_and_a_pause_delays_numbers_without_losing_any()
    {
        var (net, a, b) = TwoHosts();
        var at = b.Listen(7000);
        using var flow = new PacedFlow(a, Ipv4Address.Parse("10.0.0.2"), 40000, 7000, packetsPerSecond: 100, Payload);
        flow.Start();
        // Ticks at 0, 10, ..., 90 ms.
        net.Simulation.RunFor(TimeSpan.FromMilliseconds(95));
        Assert.Equal(10, flow.Sent);

        flow.Pause();
        net.Simulation.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Equal(10, flow.Sent);
        flow.Resume();
        net.Simulation.RunFor(TimeSpan.FromMilliseconds(100));
        flow.Stop();
        net.Simulation.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal(20, flow.Sent);
        Assert.Equal(0, flow.RefusedBySender);
        Assert.True(at.IsCompleteAndInOrder(20, Payload));
        // The pause shows as a gap between packet 9 and packet 10, not as missing numbers.
        Assert.Equal(TimeSpan.FromMilliseconds(110), at.Arrivals[10] - at.Arrivals[9]);
        Assert.Equal(Ipv4Address.Parse("10.0.0.1"), at.LastSource);
    }

    [Fact]
    public void Refuses_rates_and_payloads_that_cannot_be()
    {
        var (_, a, _) = TwoHosts();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacedFlow(a, Ipv4Address.Parse("10.0.0.2"), 1, 2, 0, Payload));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacedFlow(a, Ipv4Address.Parse("10.0.0.2"), 1, 2, 10, 0));
    }
}
