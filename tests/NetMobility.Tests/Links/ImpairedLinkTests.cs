using NetMobility.Links;
using NetMobility.Runtime;
using static NetMobility.Tests.Links.TestFrames;

namespace NetMobility.Tests.Links;

public class ImpairedLinkTests
{
    private readonly Simulation _sim = new();
    private readonly DateTimeOffset _start;

    public ImpairedLinkTests() => _start = _sim.Now;

    /// <summary>A wire whose A end sends through the impairment; returns what B received and when.</summary>
    private (ImpairedLink Link, PointToPointWire Wire, List<(int Number, TimeSpan At)> Arrivals) Build(ImpairmentOptions options, int queueCapacity = 4096)
    {
        var wire = new PointToPointWire(_sim.Loop, "wan", MacA, MacB, queueCapacity: queueCapacity);
        var link = new ImpairedLink(_sim.Loop, wire.A, options);
        var arrivals = new List<(int, TimeSpan)>();
        wire.B.Receiver = frame => arrivals.Add((NumberOf(frame), _sim.Now - _start));
        return (link, wire, arrivals);
    }

    /// <summary>Sends frames numbered 0..count-1, one every <paramref name="spacing"/>, then runs until everything has landed.</summary>
    private void SendPaced(ImpairedLink link, int count, TimeSpan spacing, int payloadLength = 46)
    {
        for (int i = 0; i < count; i++)
        {
            _sim.RunUntil(_start + spacing * i);
            link.Send(Make(MacB, MacA, i, payloadLength));
        }
        _sim.RunFor(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_does_not()
    {
        var options = new ImpairmentOptions
        {
            Latency = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(5), Loss = 0.1,
            Duplication = 0.05, Reordering = 0.1, BandwidthBitsPerSecond = 10_000_000, Seed = 42,
        };
        List<(int, TimeSpan)> Run(ImpairmentOptions o)
        {
            var sim = new Simulation();
            var start = sim.Now;
            var wire = new PointToPointWire(sim.Loop, "wan", MacA, MacB, queueCapacity: 4096);
            var link = new ImpairedLink(sim.Loop, wire.A, o);
            var seen = new List<(int, TimeSpan)>();
            wire.B.Receiver = f => seen.Add((NumberOf(f), sim.Now - start));
            for (int i = 0; i < 500; i++)
            {
                sim.RunUntil(start + TimeSpan.FromMilliseconds(i));
                link.Send(Make(MacB, MacA, i, 200));
            }
            sim.RunFor(TimeSpan.FromSeconds(5));
            return seen;
        }

        var first = Run(options);
        Assert.Equal(first, Run(options));
        Assert.NotEqual(first, Run(options with { Seed = 43 }));
    }

    [Fact]
    public void Latency_alone_delays_every_frame_exactly_and_keeps_order()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(30) });
        SendPaced(link, 10, TimeSpan.FromMilliseconds(1));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (i, TimeSpan.FromMilliseconds(30 + i))), arrivals);
        Assert.Equal(0, link.HeldFrames);
    }

    [Fact]
    public void Without_impairments_frames_pass_at_once()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions());
        link.Send(Make(MacB, MacA, 1));
        _sim.RunUntilIdle();
        Assert.Equal([(1, TimeSpan.Zero)], arrivals);
    }

    [Fact]
    public void Jitter_spreads_delays_uniformly_around_the_latency()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(50), Jitter = TimeSpan.FromMilliseconds(10), Seed = 7 });
        const int n = 4000;
        SendPaced(link, n, TimeSpan.FromMilliseconds(1));

        Assert.Equal(n, arrivals.Count);
        var delays = arrivals.Select(a => (a.At - TimeSpan.FromMilliseconds(a.Number)).TotalMilliseconds).ToList();
        Assert.All(delays, d => Assert.InRange(d, 40.0, 60.0));
        double mean = delays.Average();
        double sd = Math.Sqrt(delays.Select(d => (d - mean) * (d - mean)).Average());
        Assert.InRange(mean, 49.5, 50.5);                          // uniform on [40, 60]: mean 50 ms
        Assert.InRange(sd, 10 / Math.Sqrt(3) * 0.95, 10 / Math.Sqrt(3) * 1.05); // standard deviation 5.77 ms
        Assert.Contains(arrivals.Zip(arrivals.Skip(1)), p => p.Second.Number < p.First.Number); // jitter reorders, as netem's does
    }

    [Fact]
    public void Bandwidth_paces_frames_at_the_token_rate_after_the_burst()
    {
        // 1 Mbit/s and 1000-byte frames: one frame per 8 ms once the bucket (one 1518-byte frame deep) is spent.
        var (link, _, arrivals) = Build(new ImpairmentOptions { BandwidthBitsPerSecond = 1_000_000 });
        for (int i = 0; i < 100; i++) Assert.True(link.Send(Make(MacB, MacA, i, payloadLength: 986)));
        Assert.Equal(100, link.HeldFrames);
        _sim.RunFor(TimeSpan.FromSeconds(2));

        Assert.Equal(Enumerable.Range(0, 100), arrivals.Select(a => a.Number));
        Assert.Equal(TimeSpan.Zero, arrivals[0].At);
        // The second frame waits for the 482 bytes the burst lacked: 3.856 ms.
        Assert.Equal(TimeSpan.FromMicroseconds(3856), arrivals[1].At);
        for (int i = 2; i < 100; i++) Assert.Equal(TimeSpan.FromMilliseconds(8), arrivals[i].At - arrivals[i - 1].At);
    }

    [Fact]
    public void An_idle_spell_refills_the_bucket_to_its_depth_only()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { BandwidthBitsPerSecond = 1_000_000, BurstBytes = 3000 });
        _sim.RunFor(TimeSpan.FromHours(1));
        var t0 = _sim.Now - _start;
        for (int i = 0; i < 4; i++) link.Send(Make(MacB, MacA, i, payloadLength: 986));
        _sim.RunFor(TimeSpan.FromSeconds(1));
        // Three frames fit the 3000-byte bucket; the fourth waits 8 ms.
        Assert.Equal([t0, t0, t0, t0 + TimeSpan.FromMilliseconds(8)], arrivals.Select(a => a.At));
    }

    [Fact]
    public void Loss_drops_the_configured_share_and_counts_it()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { Loss = 0.1, Seed = 3 });
        const int n = 20_000;
        for (int i = 0; i < n; i++)
        {
            Assert.True(link.Send(Make(MacB, MacA, i)));
            if (i % 100 == 99) _sim.RunUntilIdle();
        }
        _sim.RunUntilIdle();

        long lost = link.Counters.Drops(LinkDrop.Lost);
        Assert.Equal(n, arrivals.Count + lost);
        Assert.InRange(lost, n * 0.1 - 200, n * 0.1 + 200); // binomial sd = 42: about 5 sd either side
        Assert.Equal(arrivals.Select(a => a.Number).Order(), arrivals.Select(a => a.Number));
    }

    [Fact]
    public void Duplication_sends_the_configured_share_twice()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { Duplication = 0.2, Seed = 5 });
        const int n = 10_000;
        for (int i = 0; i < n; i++)
        {
            link.Send(Make(MacB, MacA, i));
            if (i % 100 == 99) _sim.RunUntilIdle();
        }
        _sim.RunUntilIdle();

        Assert.Equal(n + link.Duplicated, arrivals.Count);
        Assert.InRange(link.Duplicated, n * 0.2 - 200, n * 0.2 + 200); // sd = 40
        Assert.Equal(link.Duplicated, arrivals.GroupBy(a => a.Number).Count(g => g.Count() == 2));
    }

    [Fact]
    public void Reordering_lets_the_configured_share_overtake_the_frames_in_flight()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(10), Reordering = 0.25, Seed = 9 });
        const int n = 4000;
        SendPaced(link, n, TimeSpan.FromMilliseconds(1));

        Assert.Equal(n, arrivals.Count);
        Assert.InRange(link.Reordered, n * 0.25 - 140, n * 0.25 + 140); // sd = 27
        var early = arrivals.Where(a => a.At == TimeSpan.FromMilliseconds(a.Number)).Select(a => a.Number).ToList();
        Assert.Equal(link.Reordered, early.Count);
        // A frame that skipped the delay lands ahead of the ones sent in the 10 ms before it.
        int overtaken = arrivals.Zip(arrivals.Skip(1)).Count(p => p.Second.Number < p.First.Number);
        Assert.InRange(overtaken, (int)(link.Reordered * 0.5), (int)link.Reordered);
    }

    [Fact]
    public void The_limit_bounds_what_is_held_and_refusals_are_counted()
    {
        var (link, _, arrivals) = Build(new ImpairmentOptions { Latency = TimeSpan.FromSeconds(1), Limit = 10 });
        var accepted = Enumerable.Range(0, 15).Select(i => link.Send(Make(MacB, MacA, i))).ToList();
        Assert.Equal(Enumerable.Repeat(true, 10).Concat(Enumerable.Repeat(false, 5)), accepted);
        Assert.Equal(10, link.HeldFrames);
        Assert.Equal(5, link.Counters.Drops(LinkDrop.QueueFull));
        Assert.Equal(10, link.Counters.FramesSent);

        _sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(Enumerable.Range(0, 10), arrivals.Select(a => a.Number));
        Assert.Equal(0, link.HeldFrames);
        Assert.True(link.Send(Make(MacB, MacA, 99)));
    }

    [Fact]
    public void Received_frames_pass_through_and_state_is_the_inner_links()
    {
        var (link, wire, _) = Build(new ImpairmentOptions { Latency = TimeSpan.FromSeconds(1) });
        var received = new Recorder(link);
        wire.B.Send(Make(MacA, MacB, 4));
        _sim.RunUntilIdle();
        Assert.Equal([4], received.Numbers);
        Assert.Equal(1, link.Counters.FramesReceived);

        link.IsUp = false;
        Assert.False(wire.A.IsUp);
        Assert.False(link.Send(Make(MacB, MacA, 5)));
        Assert.Equal(1, link.Counters.Drops(LinkDrop.Down));
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        var wire = new PointToPointWire(_sim.Loop, "wan", MacA, MacB);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(_sim.Loop, wire.A, new ImpairmentOptions { Loss = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(_sim.Loop, wire.A, new ImpairmentOptions { Reordering = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(_sim.Loop, wire.A, new ImpairmentOptions { Latency = TimeSpan.FromTicks(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImpairedLink(_sim.Loop, wire.A, new ImpairmentOptions { Limit = 0 }));
    }
}
