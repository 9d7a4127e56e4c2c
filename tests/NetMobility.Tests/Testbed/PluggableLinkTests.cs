using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Tests.Links;
using static NetMobility.Tests.Links.TestFrames;

namespace NetMobility.Tests.Testbed;

public class PluggableLinkTests
{
    [Fact]
    public void A_card_moves_between_segments_with_its_address_and_the_new_segment_learns_it()
    {
        var sim = new Simulation();
        var home = new EthernetSegment(sim.Loop, "home");
        var away = new EthernetSegment(sim.Loop, "away");
        var homePeer = home.AddPort("home-peer", MacA);
        var awayPeer = away.AddPort("away-peer", MacB);
        var homeRecorder = new Recorder(homePeer);
        var awayRecorder = new Recorder(awayPeer);
        var card = new PluggableLink("vm", MacC);
        var cardRecorder = new Recorder(card);

        Assert.False(card.IsUp);
        Assert.False(card.Send(Make(MacA, MacC, 0)));
        Assert.Equal(1, card.Counters.Drops(LinkDrop.Down));

        var homePort = home.AddPort("vm@home", MacC);
        card.Plug(homePort);
        Assert.True(card.IsUp);
        Assert.True(card.Send(Make(MacA, MacC, 1)));
        homePeer.Send(Make(MacC, MacA, 2));
        sim.RunUntilIdle();
        Assert.Equal([1], homeRecorder.Numbers);
        Assert.Equal([2], cardRecorder.Numbers);

        var awayPort = away.AddPort("vm@away", MacC);
        card.Plug(awayPort);
        Assert.Same(awayPort, card.Port);
        Assert.Null(homePort.Receiver);
        homePeer.Send(Make(MacC, MacA, 3)); // still delivered to the old port, no longer to the card
        Assert.True(card.Send(Make(MacAddress(0xFFFF_FFFF_FFFF), MacC, 4))); // an announcement on the new segment
        sim.RunUntilIdle();
        Assert.Equal([2], cardRecorder.Numbers);
        Assert.Equal([4], awayRecorder.Numbers);
        Assert.True(away.TryGetPort(MacC, out var learned));
        Assert.Same(awayPort, learned);

        card.Unplug();
        Assert.False(card.IsUp);
        Assert.Equal(2, card.Counters.FramesSent);
        Assert.Equal(1, card.Counters.FramesReceived);
    }

    private static NetMobility.Wire.MacAddress MacAddress(ulong value) => new(value);
}
