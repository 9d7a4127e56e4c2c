using NetMobility.Links;
using NetMobility.Runtime;
using static NetMobility.Tests.Links.TestFrames;

namespace NetMobility.Tests.Links;

public class PointToPointWireTests
{
    [Fact]
    public void What_one_end_sends_the_other_receives_whatever_its_destination()
    {
        var sim = new Simulation();
        var wire = new PointToPointWire(sim.Loop, "p2p", MacA, MacB, mtu: 1500, queueCapacity: 2);
        var ra = new Recorder(wire.A);
        var rb = new Recorder(wire.B);

        Assert.True(wire.A.Send(Make(MacC, MacA, 1)));
        Assert.True(wire.B.Send(Make(MacA, MacB, 2)));
        Assert.Empty(rb.Numbers);
        sim.RunUntilIdle();

        Assert.Equal([1], rb.Numbers);
        Assert.Equal([2], ra.Numbers);
        Assert.Equal(1, wire.A.Counters.FramesSent);
        Assert.Equal(1, wire.B.Counters.FramesReceived);
        Assert.Equal("p2p.a", wire.A.Name);
        Assert.Equal(MacB, wire.B.Mac);
    }

    [Fact]
    public void The_receiving_end_bounds_its_queue()
    {
        var sim = new Simulation();
        var wire = new PointToPointWire(sim.Loop, "p2p", MacA, MacB, queueCapacity: 2);
        var rb = new Recorder(wire.B);
        Assert.True(wire.A.Send(Make(MacB, MacA, 1)));
        Assert.True(wire.A.Send(Make(MacB, MacA, 2)));
        Assert.False(wire.A.Send(Make(MacB, MacA, 3)));
        sim.RunUntilIdle();
        Assert.Equal([1, 2], rb.Numbers);
        Assert.Equal(1, wire.B.Counters.Drops(LinkDrop.QueueFull));
    }
}
