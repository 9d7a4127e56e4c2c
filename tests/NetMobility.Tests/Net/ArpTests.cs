using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Wire;

namespace NetMobility.Tests.Net;

public class ArpTests
{
    private static readonly Ipv4Address A = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address B = Ipv4Address.Parse("10.0.0.2");
    private static readonly Ipv4Address Nobody = Ipv4Address.Parse("10.0.0.99");

    private readonly Topology _net = new();
    private readonly EthernetSegment _lan;
    private readonly List<(TimeSpan At, ArpMessage Arp)> _broadcastArp = [];
    private readonly DateTimeOffset _start;

    public ArpTests()
    {
        _start = _net.Simulation.Now;
        _lan = _net.AddSegment("lan");
        // A port with no node behind it sees what is flooded: broadcasts and not-yet-learned unicast.
        var sniffer = _lan.AddPort("sniffer", _net.NextMac());
        sniffer.Receiver = frame =>
        {
            if (EthernetFrame.TryCreate(frame, out var eth, out _) && eth.EtherType == EtherType.Arp && eth.Destination.IsBroadcast
                && ArpMessage.TryParse(eth.Payload, out var arp, out _, out _))
                _broadcastArp.Add((_net.Simulation.Now - _start, arp));
        };
    }

    private (Node Node, TestHost Host, NetInterface Iface) Host(string name, Ipv4Address address, NodeOptions? options = null)
    {
        var node = _net.AddHost(name, options);
        var iface = _net.Attach(node, _lan, $"{address}/24");
        return (node, new TestHost(node), iface);
    }

    [Fact]
    public void A_ping_resolves_its_next_hop_once_and_both_sides_learn()
    {
        var (a, pinger, ifA) = Host("a", A);
        var (b, _, ifB) = Host("b", B);

        Assert.True(pinger.Ping(B, 1));
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.True(pinger.Ping(B, 2));
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));

        Assert.Equal([1, 2], pinger.Replies.Select(r => (int)r.Sequence));
        Assert.Equal(1, a.Arp.RequestsSent);
        Assert.Equal(0, b.Arp.RequestsSent); // b learned a from the request it answered (RFC 826)
        Assert.Equal(1, b.Arp.RepliesSent);
        Assert.True(a.Arp.TryLookup(ifA, B, out var macB, out var state));
        Assert.Equal(ifB.Mac, macB);
        Assert.Equal(ArpEntryState.Reachable, state);
        Assert.True(b.Arp.TryLookup(ifB, A, out var macA, out _));
        Assert.Equal(ifA.Mac, macA);
        var request = Assert.Single(_broadcastArp).Arp;
        Assert.Equal(ArpMessage.Request(ifA.Mac, A, B), request);
    }

    [Fact]
    public void Requests_are_retried_each_second_then_the_waiting_packets_are_dropped()
    {
        var (a, pinger, ifA) = Host("a", A);
        for (ushort i = 0; i < 3; i++) Assert.True(pinger.Ping(Nobody, i));
        _net.Simulation.RunFor(TimeSpan.FromSeconds(2.5));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], _broadcastArp.Select(x => x.At));
        Assert.True(_broadcastArp.All(x => x.Arp.TargetIp == Nobody));
        Assert.False(a.Arp.TryLookup(ifA, Nobody, out _, out var state));
        Assert.Equal(ArpEntryState.Incomplete, state);
        Assert.Equal(0, a.Counters.Drops(NodeDrop.ArpUnresolved));

        _net.Simulation.RunFor(TimeSpan.FromSeconds(0.5));
        Assert.Equal(3, a.Counters.Drops(NodeDrop.ArpUnresolved));
        Assert.Equal(1, a.Arp.Failures);
        Assert.Empty(a.Arp.Entries());
        Assert.Equal(3, _broadcastArp.Count);
        Assert.Empty(pinger.Errors); // the packets were the host's own: no ICMP to itself
    }

    [Fact]
    public void The_queue_per_address_is_bounded_and_keeps_the_latest()
    {
        var (a, pinger, _) = Host("a", A, new NodeOptions { ArpQueueLength = 4 });
        Host("b", B);
        for (ushort i = 0; i < 6; i++) pinger.Ping(B, i);
        Assert.Equal(2, a.Counters.Drops(NodeDrop.ArpQueueFull));
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.Equal([2, 3, 4, 5], pinger.Replies.Select(r => (int)r.Sequence));
    }

    [Fact]
    public void An_entry_past_its_lifetime_is_used_while_it_is_reconfirmed_and_removed_when_that_fails()
    {
        var options = new NodeOptions { ArpReachableTime = TimeSpan.FromSeconds(30) };
        var (a, pinger, ifA) = Host("a", A, options);
        var (_, _, ifB) = Host("b", B);
        pinger.Ping(B, 1);
        _net.Simulation.RunFor(TimeSpan.FromSeconds(31));

        pinger.Ping(B, 2);
        Assert.True(a.Arp.TryLookup(ifA, B, out _, out var state));
        Assert.Equal(ArpEntryState.Stale, state);
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.Equal([1, 2], pinger.Replies.Select(r => (int)r.Sequence)); // sent at once, no waiting
        Assert.True(a.Arp.TryLookup(ifA, B, out _, out state));
        Assert.Equal(ArpEntryState.Reachable, state); // b answered the unicast re-confirmation
        Assert.Equal(2, a.Arp.RequestsSent);
        Assert.Single(_broadcastArp); // the re-confirmation went unicast

        _net.Simulation.RunFor(TimeSpan.FromSeconds(31));
        ifB.Link!.IsUp = false;
        pinger.Ping(B, 3);
        _net.Simulation.RunFor(TimeSpan.FromSeconds(3));
        Assert.False(a.Arp.TryLookup(ifA, B, out _, out _));
        Assert.Equal(5, a.Arp.RequestsSent);
    }

    [Fact]
    public void Static_entries_need_no_resolution_and_ARP_does_not_change_them()
    {
        var (a, pinger, ifA) = Host("a", A);
        var (_, _, ifB) = Host("b", B);
        var (c, _, ifC) = Host("c", Ipv4Address.Parse("10.0.0.3"));
        a.Arp.AddStatic(ifA, B, ifB.Mac);
        pinger.Ping(B, 1);
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.Single(pinger.Replies);
        Assert.Equal(0, a.Arp.RequestsSent);

        c.Arp.SendGratuitous(ifC, B); // c claims b's address: a's static entry holds
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.True(a.Arp.TryLookup(ifA, B, out var mac, out var state));
        Assert.Equal(ifB.Mac, mac);
        Assert.Equal(ArpEntryState.Static, state);
        Assert.True(a.Arp.Remove(ifA, B));
        Assert.False(a.Arp.TryLookup(ifA, B, out _, out _));
    }

    [Fact]
    public void A_proxy_answers_for_an_address_that_is_not_its_own()
    {
        var (a, pinger, ifA) = Host("a", A);
        var (agent, _, ifAgent) = Host("agent", B);
        var away = Ipv4Address.Parse("10.0.0.50");
        agent.Arp.AddProxy(ifAgent, away);
        var taken = new List<Ipv4Address>();
        agent.AddHook((_, packet) =>
        {
            if (packet.Destination != away) return false;
            taken.Add(packet.Destination);
            return true;
        });

        pinger.Ping(away, 1);
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.True(a.Arp.TryLookup(ifA, away, out var mac, out _));
        Assert.Equal(ifAgent.Mac, mac);
        Assert.Equal(1, agent.Arp.ProxyRepliesSent);
        Assert.Equal([away], taken);
        Assert.Equal(1, agent.Counters.PacketsHooked);

        Assert.True(agent.Arp.RemoveProxy(ifAgent, away));
        Assert.False(agent.Arp.IsProxied(ifAgent, away));
    }

    [Theory]
    [InlineData(ArpOpcode.Request)]
    [InlineData(ArpOpcode.Reply)]
    public void A_gratuitous_ARP_moves_the_caches_that_knew_the_address_and_adds_none(ArpOpcode opcode)
    {
        var (a, pinger, ifA) = Host("a", A);
        var (_, _, ifB) = Host("b", B);
        var (c, _, ifC) = Host("c", Ipv4Address.Parse("10.0.0.3"));
        var (agent, _, ifAgent) = Host("agent", Ipv4Address.Parse("10.0.0.4"));
        pinger.Ping(B, 1);
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.True(a.Arp.TryLookup(ifA, B, out var before, out _));
        Assert.Equal(ifB.Mac, before);

        Assert.True(agent.Arp.SendGratuitous(ifAgent, B, opcode));
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.True(a.Arp.TryLookup(ifA, B, out var after, out _));
        Assert.Equal(ifAgent.Mac, after);
        Assert.False(c.Arp.TryLookup(ifC, B, out _, out _));
        var announced = _broadcastArp[^1].Arp;
        Assert.True(announced.IsGratuitous);
        Assert.Equal(opcode, announced.Opcode);
        Assert.Equal(opcode == ArpOpcode.Reply ? ifAgent.Mac : MacAddress.Zero, announced.TargetMac);
        Assert.Equal(1, agent.Arp.GratuitousSent);
    }

    [Fact]
    public void The_neighbour_table_is_bounded()
    {
        var (a, pinger, _) = Host("a", A, new NodeOptions { ArpCacheCapacity = 2 });
        pinger.Ping(Ipv4Address.Parse("10.0.0.97"), 1);
        pinger.Ping(Ipv4Address.Parse("10.0.0.98"), 2);
        pinger.Ping(Nobody, 3);
        Assert.Equal(1, a.Counters.Drops(NodeDrop.ArpCacheFull));
        Assert.Equal(2, a.Arp.Entries().Count);
    }
    [Fact]
    public void A_node_on_a_paused_guest_clock_keeps_its_arp_entries_and_sends_no_request_while_paused()
    {
        var guest = new GuestClock(_net.Loop.Time);
        var options = new NodeOptions { Clock = guest, ArpReachableTime = TimeSpan.FromSeconds(5), ArpRetransmitInterval = TimeSpan.FromSeconds(1) };
        var (a, pinger, ifA) = Host("a", A, options);
        Host("b", B);

        Assert.True(pinger.Ping(B, 1));
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.True(a.Arp.TryLookup(ifA, B, out _, out var state));
        Assert.Equal(ArpEntryState.Reachable, state);

        // A resolution in progress when the guest pauses: its retransmissions stand still with the guest's time.
        pinger.Ping(Nobody, 2);
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        long requests = a.Arp.RequestsSent;
        guest.Pause();
        _net.Simulation.RunFor(TimeSpan.FromSeconds(30));
        Assert.Equal(requests, a.Arp.RequestsSent);

        // 30 s of host time went by, past the 5 s reachable time; on the guest's clock 20 ms did: a ping to b right after
        // the resume uses the entry as it is, with no re-confirmation (on the host's clock it would be stale and re-asked).
        guest.Resume();
        Assert.True(pinger.Ping(B, 3));
        _net.Simulation.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.Equal(requests, a.Arp.RequestsSent);
        Assert.True(a.Arp.TryLookup(ifA, B, out _, out state));
        Assert.Equal(ArpEntryState.Reachable, state);
        Assert.Contains(pinger.Replies, r => r.Sequence == 3);

        // The resolution that was in progress runs on after the resume.
        _net.Simulation.RunFor(TimeSpan.FromSeconds(1.5));
        Assert.True(a.Arp.RequestsSent > requests, "the resolver runs on after the resume");
    }
}
