using System.Security.Cryptography;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Testbed;
using NetMobility.Testbed.Tcp;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Testbed.Tcp;

/// <summary>The testbed's TCP against itself, in virtual time.</summary>
public class TcpEndpointTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static ImpairmentOptions Wan(double loss = 0, ulong seed = 1, long bandwidth = 100_000_000, int latencyMs = 10) => new()
    {
        Latency = TimeSpan.FromMilliseconds(latencyMs),
        BandwidthBitsPerSecond = bandwidth,
        Loss = loss,
        Seed = seed,
    };

    [Fact]
    public void Handshake_and_orderly_close_walk_both_ends_through_the_rfc_states()
    {
        var pair = new TcpPair(Wan(), Wan(seed: 2));
        TcpConnection? accepted = null;
        pair.StackB.Listen(80, c => accepted = c);
        var client = pair.StackA.Connect(TcpPair.AddressB, 80);
        Assert.Equal(TcpState.SynSent, client.State);

        pair.RunUntil(() => accepted is not null && client.State == TcpState.Established, Minute);
        Assert.Equal(TcpState.Established, accepted!.State);
        Assert.Equal(1460, client.SendMss);
        Assert.Equal(TcpPair.AddressA, accepted.RemoteAddress);
        Assert.Equal(client.LocalPort, accepted.RemotePort);

        client.Close();
        Assert.Equal(TcpState.FinWait1, client.State);
        pair.RunUntil(() => accepted.PeerClosed && client.State == TcpState.FinWait2, Minute);
        Assert.Equal(TcpState.CloseWait, accepted.State);
        Assert.Equal(TcpState.FinWait2, client.State);

        accepted.Close();
        Assert.Equal(TcpState.LastAck, accepted.State);
        pair.RunUntil(() => client.State == TcpState.TimeWait, Minute);
        var timeWaitStart = pair.Sim.Now;
        pair.RunUntil(() => accepted.State == TcpState.Closed, Minute);
        Assert.Equal(TcpState.TimeWait, client.State);
        pair.RunUntil(() => client.State == TcpState.Closed, Minute);
        Assert.InRange(pair.Sim.Now - timeWaitStart, client.Options.TimeWait - TimeSpan.FromMilliseconds(2), client.Options.TimeWait + TimeSpan.FromMilliseconds(2));

        Assert.Equal(TcpCloseReason.None, client.CloseReason);
        Assert.Equal(TcpCloseReason.None, accepted.CloseReason);
        Assert.Empty(pair.StackA.Connections);
        Assert.Empty(pair.StackB.Connections);
        Assert.Equal(0, client.Counters.SegmentsRetransmitted + accepted.Counters.SegmentsRetransmitted);
    }

    [Fact]
    public void A_syn_to_a_port_nobody_listens_on_is_refused_with_a_reset()
    {
        var pair = new TcpPair();
        var client = pair.StackA.Connect(TcpPair.AddressB, 9);
        pair.RunUntil(() => client.State == TcpState.Closed, Minute);
        Assert.Equal(TcpCloseReason.Refused, client.CloseReason);
        Assert.Equal(1, pair.StackB.ResetsSent);
        Assert.Equal(0, pair.StackA.ResetsSent);
        Assert.Equal(0, client.Counters.RtosFired);
    }

    [Fact]
    public void An_abort_resets_the_peer()
    {
        var pair = new TcpPair(Wan(), Wan(seed: 2));
        TcpConnection? accepted = null;
        pair.StackB.Listen(80, c => accepted = c);
        var client = pair.StackA.Connect(TcpPair.AddressB, 80);
        pair.RunUntil(() => accepted is not null, Minute);
        client.Abort();
        Assert.Equal(TcpCloseReason.Aborted, client.CloseReason);
        pair.RunUntil(() => accepted!.State == TcpState.Closed, Minute);
        Assert.Equal(TcpCloseReason.Reset, accepted!.CloseReason);
    }

    [Fact]
    public void Four_megabytes_arrive_intact_over_a_clean_link_with_no_retransmission()
    {
        var data = TcpPair.RandomBytes(4 << 20, 1);
        var pair = new TcpPair(Wan(), Wan(seed: 2));
        var (sender, sink) = pair.StartTransfer(data);
        pair.RunUntil(() => sink.Finished && sender.State is TcpState.TimeWait or TcpState.Closed, Minute);

        Assert.Equal(SHA256.HashData(data), sink.Digest);
        Assert.Equal(data.Length, sink.Connection!.Counters.BytesDelivered);
        Assert.Equal(data.Length, sender.Counters.BytesAcknowledged);
        Assert.Equal(0, sender.Counters.SegmentsRetransmitted);
        Assert.Equal(0, sender.Counters.RtosFired);
        Assert.Equal(0, sink.Connection.Counters.OutOfOrderSegments);
    }

    [Fact]
    public void Random_loss_is_repaired_by_fast_retransmit()
    {
        var data = TcpPair.RandomBytes(2 << 20, 2);
        var pair = new TcpPair(Wan(loss: 0.01, seed: 5), Wan(seed: 6));
        var (sender, sink) = pair.StartTransfer(data);
        pair.RunUntil(() => sink.Finished, Minute);

        Assert.Equal(SHA256.HashData(data), sink.Digest);
        Assert.Equal(data.Length, sink.Connection!.Counters.BytesDelivered);
        Assert.True(sender.Counters.FastRetransmits > 0, "loss in a full window is repaired by fast retransmit");
        Assert.True(sender.Counters.DupAcksReceived >= 3 * sender.Counters.FastRetransmits);
        Assert.True(sender.Counters.SegmentsRetransmitted >= sender.Counters.FastRetransmits);
        Assert.True(sink.Connection.Counters.OutOfOrderSegments > 0);
    }

    [Fact]
    public void A_link_outage_longer_than_the_rto_is_repaired_by_timeouts_that_double()
    {
        var pair = new TcpPair(Wan(), Wan(seed: 2));
        var data = TcpPair.RandomBytes(300_000, 3);
        var (sender, sink) = pair.StartTransfer(data);
        pair.RunUntil(() => sink.Bytes > 100_000, Minute);

        pair.Wire.A.IsUp = false;
        var fired = new List<DateTimeOffset>();
        long seen = sender.Counters.RtosFired;
        var outageEnd = pair.Sim.Now + TimeSpan.FromSeconds(3.5);
        while (pair.Sim.Now < outageEnd)
        {
            pair.Sim.RunFor(TimeSpan.FromMilliseconds(1));
            if (sender.Counters.RtosFired != seen)
            {
                seen = sender.Counters.RtosFired;
                fired.Add(pair.Sim.Now);
            }
        }
        pair.Wire.A.IsUp = true;
        pair.RunUntil(() => sink.Finished, Minute);

        Assert.Equal(SHA256.HashData(data), sink.Digest);
        Assert.True(fired.Count >= 3, $"{fired.Count} timeouts in the outage");
        for (int i = 2; i < fired.Count; i++)
        {
            var gap = fired[i] - fired[i - 1];
            var before = fired[i - 1] - fired[i - 2];
            Assert.InRange(gap, before * 2 - TimeSpan.FromMilliseconds(1), before * 2 + TimeSpan.FromMilliseconds(1));
        }
        Assert.True(sender.Counters.RtosFired >= fired.Count);
        Assert.True(sender.CurrentLongestStall() >= TimeSpan.FromSeconds(3.5));
        Assert.Equal(TcpCloseReason.None, sender.CloseReason);
    }

    [Fact]
    public void The_first_rto_is_one_second_and_backs_off_from_there_for_a_lost_syn()
    {
        var pair = new TcpPair();
        pair.StackB.Listen(80, _ => { });
        pair.Wire.A.IsUp = false;
        var start = pair.Sim.Now;
        var client = pair.StackA.Connect(TcpPair.AddressB, 80);
        var fired = new List<TimeSpan>();
        long seen = 0;
        while (fired.Count < 3)
        {
            pair.Sim.RunFor(TimeSpan.FromMilliseconds(1));
            if (client.Counters.RtosFired != seen)
            {
                seen = client.Counters.RtosFired;
                fired.Add(pair.Sim.Now - start);
            }
        }
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7)], fired);
        pair.Wire.A.IsUp = true;
        pair.RunUntil(() => client.State == TcpState.Established, Minute);
    }

    [Fact]
    public void Reordered_segments_are_reassembled_in_order()
    {
        var data = TcpPair.RandomBytes(1 << 20, 4);
        var reorder = Wan(seed: 7) with { Reordering = 0.05 };
        var pair = new TcpPair(reorder, Wan(seed: 8));
        var (sender, sink) = pair.StartTransfer(data);
        pair.RunUntil(() => sink.Finished, Minute);

        Assert.Equal(SHA256.HashData(data), sink.Digest);
        Assert.True(sink.Connection!.Counters.OutOfOrderSegments > 0);
        Assert.Equal(data.Length, sink.Connection.Counters.BytesDelivered);
    }

    [Fact]
    public void Window_scaling_fills_a_large_bandwidth_delay_product()
    {
        // 100 Mbit/s and 100 ms round trip: 1.25 MB in flight, twenty times what an unscaled window offers. The
        // bottleneck queue holds more than the 4 MB window, so this measures the window, not loss recovery.
        var big = new TcpEndpointOptions { SendBufferSize = 4 << 20, ReceiveBufferSize = 4 << 20 };
        var data = TcpPair.RandomBytes(16 << 20, 5);

        var scaled = Transfer(big);
        var unscaled = Transfer(big with { WindowScaling = false });

        Assert.Equal((7, 7), scaled.WindowScale);
        Assert.Equal((0, 0), unscaled.WindowScale);
        Assert.True(scaled.Goodput > 10 * unscaled.Goodput, $"scaled {scaled.Goodput / 1e6:F1} Mbit/s, unscaled {unscaled.Goodput / 1e6:F1} Mbit/s");
        Assert.True(scaled.Goodput > 50e6, $"scaled {scaled.Goodput / 1e6:F1} Mbit/s");

        (double Goodput, (int, int) WindowScale) Transfer(TcpEndpointOptions options)
        {
            var pair = new TcpPair(Wan(seed: 9, latencyMs: 50) with { Limit = 10_000 }, Wan(seed: 10, latencyMs: 50) with { Limit = 10_000 }, options);
            var start = pair.Sim.Now;
            var (sender, sink) = pair.StartTransfer(data, options: options);
            pair.RunUntil(() => sink.Finished, TimeSpan.FromMinutes(10));
            Assert.Equal(SHA256.HashData(data), sink.Digest);
            Assert.Equal(0, sender.Counters.SegmentsRetransmitted);
            return (data.Length * 8 / (pair.Sim.Now - start).TotalSeconds, sender.WindowScale);
        }
    }

    [Fact]
    public void The_mss_follows_a_tunnel_mtu_and_no_segment_needs_fragmenting()
    {
        var net = new Topology();
        var r1 = net.AddRouter("r1");
        var r2 = net.AddRouter("r2");
        net.Connect(r1, "192.0.2.1/30", r2, "192.0.2.2/30", Wan());
        var gre1 = new NodeTunnels(r1).AddGre("gre1", new GreTunnelOptions { Local = Ipv4Address.Parse("192.0.2.1"), Remote = Ipv4Address.Parse("192.0.2.2") }, Ipv4Address.Parse("10.9.0.1"), 30);
        new NodeTunnels(r2).AddGre("gre2", new GreTunnelOptions { Local = Ipv4Address.Parse("192.0.2.2"), Remote = Ipv4Address.Parse("192.0.2.1") }, Ipv4Address.Parse("10.9.0.2"), 30);
        var a = new TcpStack(r1, seed: 1);
        var b = new TcpStack(r2, seed: 2);
        var sink = new Sink();
        b.Listen(7, sink.Attach);
        var data = TcpPair.RandomBytes(300_000, 6);
        var sender = a.Connect(Ipv4Address.Parse("10.9.0.2"), 7);
        _ = new Source(sender, data);
        var end = net.Simulation.Now + Minute;
        while (!sink.Finished && net.Simulation.Now < end) net.Simulation.RunFor(TimeSpan.FromMilliseconds(1));

        Assert.Equal(1476, gre1.Mtu);
        Assert.Equal(1476 - 40, sender.AnnouncedMss);
        Assert.Equal(1476 - 40, sender.SendMss);
        Assert.Equal(1476 - 40, sink.Connection!.SendMss);
        Assert.Equal(SHA256.HashData(data), sink.Digest);
        Assert.Equal(0, r1.Counters.Drops(NodeDrop.FragmentationNeeded));
        Assert.Equal(0, sender.Counters.SegmentsRetransmitted);
    }

    [Fact]
    public void A_segment_with_a_bad_checksum_is_refused()
    {
        var pair = new TcpPair();
        var header = new TcpHeader(1234, 80, 1, 0, TcpFlags.Syn, 1000, 0);
        var segment = new byte[header.BufferLength];
        header.Emit(segment, TcpPair.AddressA, TcpPair.AddressB);
        segment[16] ^= 0xFF;
        pair.A.SendIp(new Ipv4Header(TcpPair.AddressA, TcpPair.AddressB, IpProtocol.Tcp, segment.Length), segment);
        pair.Sim.RunFor(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, pair.StackB.SegmentsRefused);
        Assert.Equal(0, pair.StackB.ResetsSent);
    }
}
