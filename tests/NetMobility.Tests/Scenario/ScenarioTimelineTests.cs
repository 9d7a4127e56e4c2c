using NetMobility.Migration.Engine;
using NetMobility.Scenario;

namespace NetMobility.Tests.Scenario;

/// <summary>The small default scenario run once with a timeline, for the tests that read it.</summary>
public sealed class TimelineScenario : IAsyncLifetime
{
    public static readonly ScenarioOptions Options = new() { MemoryBytes = 4L << 20, BulkBitsPerSecond = 1e6 };

    public ScenarioTimeline Timeline { get; } = new();
    public ScenarioReport Report { get; private set; } = null!;

    /// <summary>Samples the timeline told a live view of, and the virtual time of each.</summary>
    public List<TimeSpan> Samples { get; } = [];

    public async Task InitializeAsync()
    {
        Timeline.Sampled += t => Samples.Add(t.Elapsed);
        Report = await new LiveMigrationScenario(Options) { Timeline = Timeline }.RunAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public class ScenarioTimelineTests(TimelineScenario run) : IClassFixture<TimelineScenario>
{
    private ScenarioTimeline Timeline => run.Timeline;
    private ScenarioReport Report => run.Report;

    [Fact]
    public void A_series_stays_within_its_capacity_and_keeps_each_merged_groups_highest_value()
    {
        var series = new TimelineSeries("rtt", "ms", capacity: 16);
        for (int i = 0; i < 1000; i++) series.Add(i, i == 500 ? 1e6 : i % 7);

        Assert.Equal(1000, series.Samples);
        Assert.InRange(series.Count, 8, 16);
        Assert.Equal(64, series.Stride);
        var points = Enumerable.Range(0, series.Count).Select(i => series[i]).ToList();
        Assert.Contains(new TimelinePoint(500, 1e6), points); // the spike survived six halvings
        Assert.Equal(points.OrderBy(p => p.TimeMs), points);
        // The group still filling is drawn too: the newest point stands for the newest samples.
        Assert.InRange(points[^1].TimeMs, 1000 - series.Stride, 999);
        Assert.Throws<ArgumentOutOfRangeException>(() => series[series.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimelineSeries("odd", "ms", 15));
    }

    [Fact]
    public void A_growing_series_keeps_its_newest_value_through_merges()
    {
        var series = new TimelineSeries("bulk", "MB", capacity: 8);
        for (int i = 0; i <= 100; i++) series.Add(i * 10, i);
        Assert.Equal(100, series.Last);
        for (int i = 1; i < series.Count; i++) Assert.True(series[i].Value > series[i - 1].Value && series[i].TimeMs > series[i - 1].TimeMs);
    }

    [Fact]
    public void Recording_a_sample_allocates_nothing_once_the_session_is_known()
    {
        var timeline = new ScenarioTimeline(capacity: 64);
        var origin = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        timeline.Start(origin);
        timeline.SessionProgress("bulk", origin, 0, 0);
        timeline.RequestLatency("requests", origin, TimeSpan.Zero);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i <= 100_000; i++)
        {
            var at = origin + TimeSpan.FromMilliseconds(i);
            timeline.SessionProgress("bulk", at, i * 1000L, i / 100);
            timeline.RequestLatency("requests", at, TimeSpan.FromMilliseconds(i % 50));
            timeline.PingReply(at, TimeSpan.FromMilliseconds(20));
            timeline.MigrationProgress(at, new MigrationProgress(3, false, 10, 20, 30, 40, TimeSpan.FromMilliseconds(i)));
            timeline.Sample(at);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(timeline.Sessions[0].Delivered.Count <= 64 && timeline.PingRtt.Count <= 64);
        Assert.Equal(100_000_000, timeline.Sessions[0].BytesDelivered);
        Assert.Equal(TimeSpan.FromMilliseconds(100_000), timeline.Elapsed);
    }

    [Fact]
    public void Times_are_milliseconds_from_the_origin_which_is_set_once()
    {
        var timeline = new ScenarioTimeline();
        var origin = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Throws<InvalidOperationException>(() => timeline.Mark("early", origin));
        timeline.Start(origin);
        Assert.Throws<InvalidOperationException>(() => timeline.Start(origin));
        timeline.Mark("paused", origin + TimeSpan.FromMilliseconds(1234.5));
        timeline.Round(1, false, origin + TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250), 4096, 7);
        Assert.Equal(new TimelineMark("paused", 1234.5), Assert.Single(timeline.Marks));
        Assert.Equal(new TimelineRound(1, false, 1000, 250, 4096, 7), Assert.Single(timeline.Rounds));
    }

    /// <summary>
    /// The network half alone (single-threaded, seeded: it repeats to the tick) for two seconds with the scenario's
    /// sessions across a WAN losing 1 % of frames, watched or not; what the sessions saw, in full.
    /// </summary>
    private static string RunNetwork(bool watched)
    {
        var options = TimelineScenario.Options with { WanLoss = 0.01, Seed = 3 };
        using var net = new ScenarioTopology(options);
        using var bulk = new BulkSession(net.CnTcp, net.VmTcp, ScenarioTopology.VmAddress, LiveMigrationScenario.BulkPort,
            LiveMigrationScenario.BulkClientPort, options.BulkBitsPerSecond);
        using var requests = new RequestSession(net.CnTcp, net.VmTcp, ScenarioTopology.VmAddress, LiveMigrationScenario.RequestPort,
            LiveMigrationScenario.RequestClientPort, options.RequestBytes, options.ResponseBytes, options.ThinkTime);
        using var ping = new PingSeries(net.CnNode, ScenarioTopology.VmAddress, options.PingInterval);
        var timeline = new ScenarioTimeline();
        using var sampler = watched ? timeline.Watch(net.Sim.Loop, bulk, requests, ping) : null;
        bulk.Start();
        requests.Start();
        ping.Start();
        net.Sim.RunFor(TimeSpan.FromSeconds(2));
        if (watched) Assert.Equal(requests.Latencies.Count, timeline.Sessions.Single(s => s.Name == "requests").Latency.Samples);
        var c = bulk.Client!.Counters;
        return $"bulk {bulk.Received.Length} {bulk.Received.Sha256()} {c.SegmentsSent} {c.SegmentsRetransmitted} {c.RtosFired}; "
            + $"requests {string.Join(',', requests.Latencies.Select(l => l.Latency.Ticks))}; ping {string.Join(',', ping.Replies.Select(r => r.Latency.Ticks))}";
    }

    [Fact]
    public void Sampling_only_reads_the_network_runs_the_same_with_it_as_without()
    {
        string plain = RunNetwork(watched: false), watched = RunNetwork(watched: true);
        Assert.Equal(plain, watched);
        Assert.True(plain.Split(',').Length > 20, plain);
    }

    [Fact]
    public void The_sessions_are_sampled_on_the_virtual_clock_up_to_what_the_report_counts()
    {
        var bulk = Timeline.Sessions.Single(s => s.Name == "bulk");
        var requests = Timeline.Sessions.Single(s => s.Name == "requests");
        Assert.Equal(Report.Bulk.Streams[0].BytesDelivered, bulk.BytesDelivered);
        Assert.Equal(Report.Requests.Streams.Sum(s => s.BytesDelivered), requests.BytesDelivered);
        Assert.Equal(Report.Bulk.Client.Retransmissions + Report.Bulk.Server.Retransmissions, bulk.Retransmissions);
        var latency = Report.Requests.Latency!;
        Assert.Equal(latency.Before.Count + latency.During.Count + latency.After.Count, requests.Latency.Samples);
        Assert.Equal(Report.Ping.Replied, Timeline.PingRtt.Samples);
        Assert.Equal(0, bulk.Latency.Samples);

        // A sample every 10 ms of virtual time from the start to the end of the run: its points climb with it.
        double endMs = Report.Timeline.EndMs;
        Assert.InRange(bulk.Delivered.Samples, endMs / 10, endMs / 10 + 3);
        for (int i = 1; i < bulk.Delivered.Count; i++) Assert.True(bulk.Delivered[i].Value >= bulk.Delivered[i - 1].Value);
        Assert.Equal(Report.Bulk.Streams[0].BytesDelivered / 1e6, bulk.Delivered.Last);
        Assert.Equal(endMs, Timeline.Elapsed.TotalMilliseconds, 6);
    }

    [Fact]
    public void The_live_view_is_told_of_the_engines_progress_and_of_each_sample_as_virtual_time_moves()
    {
        Assert.NotNull(Timeline.Migration);
        Assert.True(Timeline.MigrationFinished);
        Assert.Equal(Report.Memory.Rounds.Count, Timeline.Migration.Value.Round);
        Assert.True(run.Samples.Count > Report.Timeline.EndMs / 10, $"{run.Samples.Count} samples");
        // The memory half runs on its own clock from the migration's start: its samples carry on from there.
        Assert.Contains(run.Samples, t => t.TotalMilliseconds > Report.Timeline.MigrationStartMs + 10 && t.TotalMilliseconds < Report.Timeline.PausedMs);
    }

    [Fact]
    public void The_rounds_and_the_moments_of_the_move_come_from_the_report()
    {
        Assert.Equal(Report.Memory.Rounds.Select(r => (r.Round, r.StopAndCopy, r.WireBytes, r.DirtyPages)),
            Timeline.Rounds.Select(r => (r.Round, r.StopAndCopy, r.WireBytes, r.DirtyPages)));
        // The channels open before round 1; the live rounds end at the pause, where stop-and-copy begins.
        Assert.InRange(Timeline.Rounds[0].StartMs, Report.Timeline.MigrationStartMs, Report.Timeline.PausedMs!.Value);
        var lastLive = Timeline.Rounds.Last(r => !r.StopAndCopy);
        Assert.Equal(Report.Timeline.PausedMs!.Value, lastLive.StartMs + lastLive.DurationMs, 1);
        Assert.Equal(Report.Timeline.PausedMs!.Value, Timeline.Rounds.First(r => r.StopAndCopy).StartMs, 3);
        for (int i = 1; i < Timeline.Rounds.Count; i++) Assert.True(Timeline.Rounds[i].StartMs >= Timeline.Rounds[i - 1].StartMs + Timeline.Rounds[i - 1].DurationMs - 1e-3); // ticks of 100 ns

        var marks = Timeline.Marks.ToDictionary(m => m.Name, m => m.TimeMs);
        var t = Report.Timeline;
        Assert.Equal(t.PausedMs, marks[ScenarioTimeline.PausedMark]);
        Assert.Equal(t.RegistrationStartedMs, marks[ScenarioTimeline.RegistrationSentMark]);
        Assert.Equal(t.ResumedMs, marks[ScenarioTimeline.ResumedMark]);
        Assert.Equal(t.ResumedMs + Report.Handover.ResumeToRegisteredMs, marks[ScenarioTimeline.RegisteredMark]);
        Assert.Equal(t.ResumedMs + Report.Handover.ResumeToFirstDeliveredMs, marks[ScenarioTimeline.FirstPacketMark]);
        Assert.False(marks.ContainsKey(ScenarioTimeline.RolledBackMark));
    }
}
