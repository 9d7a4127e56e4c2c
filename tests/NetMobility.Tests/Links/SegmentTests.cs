using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Wire;
using static NetMobility.Tests.Links.TestFrames;

namespace NetMobility.Tests.Links;

public class SegmentTests
{
    private readonly Simulation _sim = new();

    private (EthernetSegment Segment, SegmentPort A, SegmentPort B, SegmentPort C, Recorder RA, Recorder RB, Recorder RC) ThreePorts(SegmentOptions? options = null)
    {
        var segment = new EthernetSegment(_sim.Loop, "lan", options);
        var a = segment.AddPort("a", MacA);
        var b = segment.AddPort("b", MacB);
        var c = segment.AddPort("c", MacC);
        return (segment, a, b, c, new Recorder(a), new Recorder(b), new Recorder(c));
    }

    [Fact]
    public void Unknown_unicast_is_flooded_then_learned_addresses_get_unicast()
    {
        var (segment, a, b, _, ra, rb, rc) = ThreePorts();

        Assert.True(a.Send(Make(MacB, MacA, 1)));
        _sim.RunUntilIdle();
        Assert.Equal([1], rb.Numbers);
        Assert.Equal([1], rc.Numbers); // B unknown yet: flooded
        Assert.Empty(ra.Numbers);
        Assert.Equal(1, segment.FloodedFrames);

        Assert.True(b.Send(Make(MacA, MacB, 2))); // A was learned from frame 1
        _sim.RunUntilIdle();
        Assert.Equal([2], ra.Numbers);
        Assert.Equal([1], rc.Numbers);

        Assert.True(a.Send(Make(MacB, MacA, 3))); // and now B is known
        _sim.RunUntilIdle();
        Assert.Equal([1, 3], rb.Numbers);
        Assert.Equal([1], rc.Numbers);
        Assert.Equal(1, segment.FloodedFrames);
        Assert.True(segment.TryGetPort(MacB, out var port));
        Assert.Same(b, port);
    }

    [Fact]
    public void Broadcast_reaches_every_other_port_even_when_addresses_are_known()
    {
        var (segment, a, b, c, ra, rb, rc) = ThreePorts();
        b.Send(Make(MacAddress.Broadcast, MacB, 1));
        c.Send(Make(MacAddress.Broadcast, MacC, 2));
        _sim.RunUntilIdle();
        Assert.True(segment.TryGetPort(MacB, out _));
        Assert.True(segment.TryGetPort(MacC, out _));

        Assert.True(a.Send(Make(MacAddress.Broadcast, MacA, 3)));
        _sim.RunUntilIdle();
        Assert.Equal([1, 2], ra.Numbers);
        Assert.Equal([2, 3], rb.Numbers);
        Assert.Equal([1, 3], rc.Numbers);
        Assert.Equal(3, segment.FloodedFrames);
    }

    [Fact]
    public void Learned_addresses_age_out_and_are_flooded_again()
    {
        var (segment, a, b, _, _, rb, rc) = ThreePorts(new SegmentOptions { AgeingTime = TimeSpan.FromSeconds(10) });
        b.Send(Make(MacAddress.Broadcast, MacB));
        _sim.RunUntilIdle();

        _sim.RunFor(TimeSpan.FromSeconds(10));
        a.Send(Make(MacB, MacA, 1));
        _sim.RunUntilIdle();
        Assert.Equal([1], rb.Numbers);
        Assert.Equal([0], rc.Numbers); // still known at exactly the ageing time: not flooded

        _sim.RunFor(TimeSpan.FromSeconds(10.001));
        a.Send(Make(MacB, MacA, 2));
        _sim.RunUntilIdle();
        Assert.Equal([1, 2], rb.Numbers);
        Assert.Equal([0, 2], rc.Numbers); // aged out: flooded
        Assert.False(segment.TryGetPort(MacB, out _));
    }

    [Fact]
    public void A_port_going_down_forgets_its_addresses_and_counts_what_it_refuses()
    {
        var (segment, a, b, _, _, rb, _) = ThreePorts();
        b.Send(Make(MacA, MacB));
        _sim.RunUntilIdle();
        Assert.True(segment.TryGetPort(MacB, out _));

        b.IsUp = false;
        Assert.False(segment.TryGetPort(MacB, out _));
        Assert.True(a.Send(Make(MacB, MacA, 5))); // the sender is not told the far port is down
        Assert.False(b.Send(Make(MacA, MacB, 6)));
        _sim.RunUntilIdle();
        Assert.Empty(rb.Numbers);
        Assert.Equal(2, b.Counters.Drops(LinkDrop.Down));
        Assert.Equal(0, b.Counters.FramesReceived);
    }

    [Fact]
    public void Frames_queued_before_a_port_went_down_are_not_delivered()
    {
        var (_, a, b, _, _, rb, _) = ThreePorts();
        a.Send(Make(MacB, MacA, 1));
        b.IsUp = false;
        _sim.RunUntilIdle();
        Assert.Empty(rb.Numbers);
        Assert.Equal(1, b.Counters.Drops(LinkDrop.Down));
    }

    [Fact]
    public void The_output_queue_is_bounded_and_counts_its_drops()
    {
        var (_, a, b, _, _, rb, _) = ThreePorts(new SegmentOptions { QueueCapacity = 4 });
        b.Send(Make(MacA, MacB));
        _sim.RunUntilIdle();

        var accepted = Enumerable.Range(1, 7).Select(i => a.Send(Make(MacB, MacA, i))).ToList();
        Assert.Equal([true, true, true, true, false, false, false], accepted);
        Assert.Equal(4, b.QueuedFrames);
        Assert.Equal(3, b.Counters.Drops(LinkDrop.QueueFull));
        Assert.Equal(3, a.Counters.Drops(LinkDrop.QueueFull));
        Assert.Equal(4, a.Counters.FramesSent);

        _sim.RunUntilIdle();
        Assert.Equal([1, 2, 3, 4], rb.Numbers);
        Assert.True(a.Send(Make(MacB, MacA, 8)));
    }

    [Fact]
    public void A_full_port_does_not_fail_a_flood()
    {
        var (_, a, b, _, _, rb, rc) = ThreePorts(new SegmentOptions { QueueCapacity = 1 });
        Assert.True(a.Send(Make(MacAddress.Broadcast, MacA, 1)));
        Assert.True(a.Send(Make(MacAddress.Broadcast, MacA, 2)));
        _sim.RunUntilIdle();
        Assert.Equal([1], rb.Numbers);
        Assert.Equal([1], rc.Numbers);
        Assert.Equal(1, b.Counters.Drops(LinkDrop.QueueFull));
        Assert.Equal(0, a.Counters.TotalDrops);
    }

    [Fact]
    public void Frames_for_the_port_they_came_from_are_filtered()
    {
        var (segment, a, _, _, ra, rb, rc) = ThreePorts();
        a.Send(Make(MacAddress.Broadcast, MacD)); // D sits behind port a (say, a bridge)
        _sim.RunUntilIdle();
        Assert.True(a.Send(Make(MacD, MacA, 9)));
        _sim.RunUntilIdle();
        Assert.Equal(1, segment.FilteredFrames);
        Assert.Empty(ra.Numbers);
        Assert.Equal([0], rb.Numbers);
        Assert.Equal([0], rc.Numbers);
    }

    [Fact]
    public void Sends_are_checked_against_the_mtu_the_header_and_the_state()
    {
        var (_, a, _, _, _, rb, _) = ThreePorts(new SegmentOptions { Mtu = 100 });
        Assert.True(a.Send(Make(MacB, MacA, 1, payloadLength: 100)));
        Assert.False(a.Send(Make(MacB, MacA, 2, payloadLength: 101)));
        Assert.False(a.Send(new byte[13]));
        a.IsUp = false;
        Assert.False(a.Send(Make(MacB, MacA, 3)));
        _sim.RunUntilIdle();

        Assert.Equal([1], rb.Numbers);
        Assert.Equal(1, a.Counters.Drops(LinkDrop.TooBig));
        Assert.Equal(1, a.Counters.Drops(LinkDrop.Malformed));
        Assert.Equal(1, a.Counters.Drops(LinkDrop.Down));
        Assert.Equal(1, a.Counters.FramesSent);
        Assert.Equal(114, a.Counters.BytesSent);
    }

    [Fact]
    public void A_tagged_frame_may_carry_a_full_mtu_behind_its_longer_header()
    {
        var (_, a, _, _, _, rb, _) = ThreePorts(new SegmentOptions { Mtu = 100 });
        var tagged = Tagged(payloadLength: 100);
        Assert.True(a.Send(tagged));
        Assert.False(a.Send(Tagged(payloadLength: 101)));
        _sim.RunUntilIdle();
        Assert.Single(rb.Frames);
        Assert.Equal(tagged, rb.Frames[0]);
    }

    private static byte[] Tagged(int payloadLength)
    {
        var frame = new byte[18 + payloadLength];
        new EthernetHeader(MacB, MacA, EtherType.Ipv4, VlanId: 10).Emit(frame);
        return frame;
    }

    [Fact]
    public void Delivery_is_posted_never_run_inside_send()
    {
        var (_, a, b, _, _, _, _) = ThreePorts();
        var events = new List<string>();
        b.Receiver = frame =>
        {
            events.Add($"b got {NumberOf(frame)}");
            b.Send(Make(MacA, MacB, NumberOf(frame) + 100));
            events.Add("b sent reply");
        };
        a.Receiver = frame => events.Add($"a got {NumberOf(frame)}");

        a.Send(Make(MacB, MacA, 1));
        events.Add("a sent");
        _sim.RunUntilIdle();
        Assert.Equal(["a sent", "b got 1", "b sent reply", "a got 101"], events);
        Assert.Equal(1, b.Counters.FramesReceived);
        Assert.Equal(60, b.Counters.BytesReceived);
    }

    [Fact]
    public void A_full_address_table_stops_learning_and_counts_it()
    {
        var (segment, a, b, _, _, _, rc) = ThreePorts(new SegmentOptions { MacTableCapacity = 2 });
        a.Send(Make(MacAddress.Broadcast, MacA));
        b.Send(Make(MacAddress.Broadcast, MacB));
        a.Send(Make(MacAddress.Broadcast, MacD));
        _sim.RunUntilIdle();
        Assert.Equal(2, segment.LearnedAddresses);
        Assert.Equal(1, segment.LearningRefused);

        b.Send(Make(MacD, MacB, 4)); // D was not learned: flooded, so C sees it
        _sim.RunUntilIdle();
        Assert.Equal([0, 0, 0, 4], rc.Numbers);
    }
}
