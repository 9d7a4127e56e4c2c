using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Scenario;
using NetMobility.Tests.Links;
using NetMobility.Wire;

namespace NetMobility.Tests.Scenario;

public class SourceHostPortTests
{
    private static readonly MacAddress Router = TestFrames.MacA;
    private static readonly MacAddress HomeAgent = TestFrames.MacB;
    private static readonly MacAddress Vm = TestFrames.MacC;

    /// <summary>A home link with the router, the home agent and the VM's port on the source host, each address learnt by the switch.</summary>
    private sealed class HomeLink
    {
        public HomeLink(int queueFrames = 16)
        {
            var segment = new EthernetSegment(Sim.Loop, "home");
            RouterPort = segment.AddPort("r1", Router);
            HomeAgentPort = segment.AddPort("ha", HomeAgent);
            Port = new SourceHostPort(segment.AddPort("vm@home", Vm), queueFrames);
            AtRouter = new Recorder(RouterPort);
            AtHomeAgent = new Recorder(HomeAgentPort);
            AtVm = new Recorder(Port);
            Assert.True(Port.Send(TestFrames.Make(Router, Vm, -1)));
            Assert.True(HomeAgentPort.Send(TestFrames.Make(Router, HomeAgent, -1)));
            Sim.RunUntilIdle();
            foreach (var recorder in new[] { AtRouter, AtHomeAgent, AtVm })
            {
                recorder.Numbers.Clear();
                recorder.Frames.Clear();
            }
        }

        public Simulation Sim { get; } = new();
        public SegmentPort RouterPort { get; }
        public SegmentPort HomeAgentPort { get; }
        public SourceHostPort Port { get; }
        public Recorder AtRouter { get; }
        public Recorder AtHomeAgent { get; }
        public Recorder AtVm { get; }

        public void FromRouterToVm(int from, int to)
        {
            for (int i = from; i < to; i++) Assert.True(RouterPort.Send(TestFrames.Make(Vm, Router, i)));
            Sim.RunUntilIdle();
        }

        public void ArpBroadcastFromRouter()
        {
            var frame = new byte[EthernetHeader.UntaggedLength + ArpMessage.PacketLength];
            new EthernetHeader(MacAddress.Broadcast, Router, EtherType.Arp).Emit(frame);
            ArpMessage.Request(Router, Ipv4Address.Parse("10.1.0.1"), Ipv4Address.Parse("10.1.0.42")).Emit(frame.AsSpan(EthernetHeader.UntaggedLength));
            Assert.True(RouterPort.Send(frame));
            Sim.RunUntilIdle();
        }
    }

    [Fact]
    public void While_the_vm_runs_frames_pass_both_ways()
    {
        var home = new HomeLink();
        home.FromRouterToVm(0, 3);
        Assert.True(home.Port.Send(TestFrames.Make(Router, Vm, 7)));
        home.Sim.RunUntilIdle();

        Assert.Equal([0, 1, 2], home.AtVm.Numbers);
        Assert.Equal([7], home.AtRouter.Numbers);
        Assert.Equal(SourcePortState.Running, home.Port.State);
        Assert.Equal(0, home.Port.Queued);
    }

    [Fact]
    public void A_paused_vm_gets_what_arrived_meanwhile_in_order_when_it_resumes_here()
    {
        var home = new HomeLink();
        home.FromRouterToVm(0, 2);
        home.Port.Pause();
        home.FromRouterToVm(2, 6);
        home.ArpBroadcastFromRouter();
        Assert.Equal([0, 1], home.AtVm.Numbers);
        // A paused guest sends nothing: the port refuses, counting the frame against the link.
        Assert.False(home.Port.Send(TestFrames.Make(Router, Vm, 9)));
        Assert.Equal(1, home.Port.Counters.Drops(LinkDrop.Down));

        home.Port.Resume();
        Assert.Equal([0, 1, 2, 3, 4, 5], home.AtVm.Numbers.Take(6));
        Assert.True(EthernetHeader.TryParse(home.AtVm.Frames[6], out var arp, out _, out _));
        Assert.Equal(EtherType.Arp, arp.EtherType);
        Assert.Equal(5, home.Port.Queued);
        Assert.Equal(5, home.Port.DeliveredOnResume);
        // The home agent saw the broadcast, as every port did, and nothing else.
        Assert.Single(home.AtHomeAgent.Frames);

        home.FromRouterToVm(6, 7);
        Assert.Equal(6, home.AtVm.Numbers[^1]);
    }

    [Fact]
    public void On_hand_over_the_queue_and_later_stragglers_go_to_the_home_agent_framed_from_the_vm()
    {
        var home = new HomeLink();
        home.Port.Pause();
        home.FromRouterToVm(0, 3);
        home.ArpBroadcastFromRouter();
        int broadcastAtAgent = home.AtHomeAgent.Frames.Count;

        home.Port.HandOver(HomeAgent);
        home.Sim.RunUntilIdle();
        home.FromRouterToVm(3, 5);
        home.ArpBroadcastFromRouter();

        Assert.Empty(home.AtVm.Numbers);
        var forwarded = home.AtHomeAgent.Frames.Skip(broadcastAtAgent).Where(f => EthernetHeader.TryParse(f, out var h, out _, out _) && h.EtherType == EtherType.Ipv4).ToList();
        Assert.Equal([0, 1, 2, 3, 4], forwarded.Select(f => TestFrames.NumberOf(f)));
        foreach (var frame in forwarded)
        {
            Assert.True(EthernetHeader.TryParse(frame, out var header, out _, out _));
            Assert.Equal(HomeAgent, header.Destination);
            Assert.Equal(Vm, header.Source);
            Assert.Equal(TestFrames.Make(Vm, Router, TestFrames.NumberOf(frame)).AsSpan(EthernetHeader.UntaggedLength).ToArray(), frame.AsSpan(EthernetHeader.UntaggedLength).ToArray());
        }
        Assert.Equal(5, home.Port.Forwarded);
        // The two ARP broadcasts (one queued, one after) are not the home agent's to take from this port.
        Assert.Equal(2, home.Port.Discarded);
        Assert.Equal(SourcePortState.HandedOver, home.Port.State);
    }

    [Fact]
    public void The_queue_is_bounded_and_counts_what_it_refuses()
    {
        var home = new HomeLink(queueFrames: 3);
        home.Port.Pause();
        home.FromRouterToVm(0, 5);
        home.Port.Resume();
        Assert.Equal([0, 1, 2], home.AtVm.Numbers);
        Assert.Equal(3, home.Port.Queued);
        Assert.Equal(2, home.Port.QueueDropped);
    }

    /// <summary>A link that only counts what is sent through it: the port's own work, measured alone.</summary>
    private sealed class CountingLink : IFrameLink
    {
        public string Name => "vm@home";
        public MacAddress Mac => Vm;
        public int Mtu => 1500;
        public bool IsUp { get; set; } = true;
        public FrameReceiver? Receiver { get; set; }
        public LinkCounters Counters { get; } = new();
        public long Sent { get; private set; }

        public bool Send(ReadOnlySpan<byte> frame)
        {
            Sent++;
            return true;
        }
    }

    private static void Ignore(ReadOnlySpan<byte> frame) { }

    /// <summary>One whole life of a port: frames while running, paused, resumed, paused again, handed over.</summary>
    private static (SourceHostPort Port, CountingLink Link) Cycle(byte[] frame, int frames)
    {
        var link = new CountingLink();
        var port = new SourceHostPort(link, queueFrames: 256) { Receiver = Ignore };
        var arrive = link.Receiver!;
        for (int i = 0; i < frames; i++) arrive(frame);
        port.Pause();
        for (int i = 0; i < frames / 5; i++) arrive(frame);
        port.Resume();
        port.Pause();
        for (int i = 0; i < frames / 5; i++) arrive(frame);
        port.HandOver(HomeAgent);
        for (int i = 0; i < frames; i++) arrive(frame);
        return (port, link);
    }

    [Fact]
    public void Queueing_delivering_and_forwarding_allocate_nothing_per_frame()
    {
        var frame = TestFrames.Make(Vm, Router, 1, payloadLength: 200);
        Cycle(frame, 10).Port.Dispose(); // warm: the code paths, the pool the queue rents from
        // Building a port rents from the shared pool, which sometimes allocates and sometimes not: take the fewest
        // bytes of a few rounds on each side. Any allocation per frame would add kilobytes over a thousand frames.
        long perPort = long.MaxValue, allocated = long.MaxValue;
        SourceHostPort port = null!;
        CountingLink link = null!;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Cycle(frame, 10).Port.Dispose();
            perPort = Math.Min(perPort, GC.GetAllocatedBytesForCurrentThread() - before);

            before = GC.GetAllocatedBytesForCurrentThread();
            (port, link) = Cycle(frame, 1000);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            port.Dispose();
        }

        // A port costs what it costs to build (its queue's index, its forwarding buffer); a thousand frames more cost nothing.
        Assert.True(allocated <= perPort, $"1000 frames allocated {allocated} B, a port alone {perPort} B");
        Assert.Equal(200, port.DeliveredOnResume);
        Assert.Equal(1200, port.Forwarded);
        Assert.Equal(1200, link.Sent);
    }

    [Fact]
    public void Moves_out_of_order_are_refused()
    {
        var home = new HomeLink();
        Assert.Throws<InvalidOperationException>(home.Port.Resume);
        Assert.Throws<InvalidOperationException>(() => home.Port.HandOver(HomeAgent));
        home.Port.Pause();
        Assert.Throws<InvalidOperationException>(home.Port.Pause);
        home.Port.HandOver(HomeAgent);
        Assert.Throws<InvalidOperationException>(home.Port.Resume);
        Assert.Throws<InvalidOperationException>(() => home.Port.HandOver(HomeAgent));
    }
}
