using NetMobility.Migration.Reports;
using NetMobility.Scenario;
using NetMobility.Tunnels;

namespace NetMobility.Tests.Scenario;

/// <summary>The default scenario with a small VM (8 MiB, so that it runs in a fraction of a second), run once for the tests that read its report.</summary>
public sealed class MovedScenario : IAsyncLifetime
{
    public static readonly ScenarioOptions Options = new() { MemoryBytes = 8L << 20 };

    public ScenarioReport Report { get; private set; } = null!;

    public async Task InitializeAsync() => Report = await new LiveMigrationScenario(Options).RunAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}

public class LiveMigrationScenarioTests(MovedScenario moved) : IClassFixture<MovedScenario>
{
    private const double LatencyMs = 20; // the default WAN's one-way latency between the sites

    private ScenarioReport Report => moved.Report;

    /// <summary>Every session's every octet arrived once and in order, nobody was reset, and both ends closed in order.</summary>
    internal static void AssertSessionsWhole(ScenarioReport report)
    {
        foreach (var session in new[] { report.Bulk, report.Requests })
        {
            foreach (var stream in session.Streams)
            {
                Assert.True(stream.BytesSent > 0, $"{session.Name}: {stream}");
                Assert.Equal(stream.BytesSent, stream.BytesDelivered);
                Assert.Equal(0, stream.Mismatches);
                Assert.Equal(stream.Sha256Sent, stream.Sha256Delivered);
                Assert.True(stream.Whole, $"{session.Name}: {stream}");
            }
            foreach (var end in new[] { session.Client, session.Server })
                Assert.True(end.CloseReason == "None" && end.State is "Closed" or "TimeWait", $"{session.Name} {end.Host}: {end}");
            Assert.True(session.Whole);
        }
        Assert.True(report.Requests.Streams.Count == 2 && report.Bulk.Streams.Count == 1);
    }

    /// <summary>The move itself fired no retransmission timeout at either end of either session.</summary>
    internal static void AssertNoRto(ScenarioReport report)
    {
        foreach (var session in new[] { report.Bulk, report.Requests })
            foreach (var end in new[] { session.Client, session.Server })
                Assert.True(end.RtosFired == 0, $"{session.Name} {end.Host}: {end}");
    }

    [Fact]
    public void The_memory_arrives_verified_with_the_device_state()
    {
        Assert.Equal(ScenarioReport.Moved, Report.Outcome);
        Assert.True(Report.Memory.Completed, Report.Memory.Error);
        Assert.True(Report.DigestVerified);
        Assert.Null(Report.DestinationError);
        Assert.Equal(new DeviceStateReport("52:54:00:00:00:42", "10.1.0.42", 24, "10.1.0.1"), Report.DeviceState);
    }

    [Fact]
    public void Every_tcp_octet_arrives_once_and_in_order_with_nothing_lost_and_no_timeout()
    {
        AssertSessionsWhole(Report);
        AssertNoRto(Report);
        // A loss-free WAN: nothing is sent twice, the move included.
        foreach (var session in new[] { Report.Bulk, Report.Requests })
            foreach (var end in new[] { session.Client, session.Server })
                Assert.Equal(0, end.Retransmissions);
        // The bulk stream ran at its rate from the start to the end of the sessions.
        var t = Report.Timeline;
        Assert.InRange(Report.Bulk.Streams[0].BytesSent, 0.95 * 10e6 / 8 * t.FlowsStoppedMs / 1000, 10e6 / 8 * t.FlowsStoppedMs / 1000);
        Assert.Equal(0, Report.Handover.HomeAgentDropped);
        Assert.True(Report.Handover.HomeAgentReleased > 0, "the home agent held what came during the pause");
    }

    [Fact]
    public void Requests_and_pings_go_on_through_the_move_and_its_latency_is_reported()
    {
        var l = Report.Requests.Latency!;
        Assert.True(l.Before.Count > 5 && l.During.Count >= 1 && l.After.Count > 5, $"{l}");
        // At home a request crosses one WAN leg each way (10 ms) and its 16 KiB response a few round trips at most.
        Assert.InRange(l.Before.MedianMs!.Value, 20, 60);
        // After the move the requests go through the home agent's tunnel and back through the reverse tunnel: longer.
        Assert.True(l.After.MedianMs > l.Before.MedianMs);
        // A request takes a round trip and its response, then the client thinks 50 ms: a pause shorter than that cycle
        // may fall between two requests, so it is the pings (every 20 ms) that must show it: one caught by the pause
        // waited for the VM, and its round trip holds the pause.
        Assert.True(Report.Ping.Rtt.During.MaxMs >= Report.Timeline.VmPausedMs, $"{Report.Ping.Rtt.During} against a {Report.Timeline.VmPausedMs} ms pause");

        var p = Report.Ping;
        Assert.Equal(p.Sent, p.Replied);
        Assert.Equal(20, p.Rtt.Before.MedianMs!.Value, 0.5);
        Assert.Equal(60, p.Rtt.After.MedianMs!.Value, 0.5); // cn -> r3 -> r1 -> ha -> r1 -> r3 -> fa, and back the same way
        Assert.True(p.Rtt.During.MaxMs > p.Rtt.After.MaxMs);
    }

    [Fact]
    public void The_vm_is_registered_before_it_resumes_and_the_first_packet_reaches_it_within_5_ms()
    {
        var t = Report.Timeline;
        var h = Report.Handover;
        // The destination registers when it has verified the image, one WAN latency before the source releases the VM.
        Assert.Equal(t.ReleasedMs!.Value - LatencyMs, t.RegistrationStartedMs!.Value, 0.001);
        Assert.True(h.ResumeToRegisteredMs <= 0.5, $"registered {h.ResumeToRegisteredMs} ms after the resume");
        Assert.InRange(h.ResumeToFirstDeliveredMs!.Value, 0, 5);
        Assert.InRange(h.ResumeToFirstReverseMs!.Value, 0, 2 * LatencyMs);
        Assert.Equal(1, Report.HomeAgent.RequestsReceived);
        Assert.Equal(1, Report.HomeAgent.Accepted);
        Assert.Equal(0, Report.HomeAgent.Cancelled);
    }

    [Fact]
    public void The_correspondent_still_talks_to_the_home_address_now_bound_to_the_foreign_agent()
    {
        Assert.True(Report.KeptAddress);
        Assert.Equal("10.1.0.42", Report.CorrespondentSawSource);
        Assert.Equal(new BindingReport("10.1.0.42", "10.2.0.1", "gre", ReverseTunnel: true, LifetimeSeconds: 600), Report.Binding);
        Assert.Equal(0, Report.IngressFiltered);
        var ha = Report.HomeAgent;
        var fa = Report.ForeignAgent;
        Assert.Equal(ha.Tunnelled, fa.Delivered);
        Assert.Equal(fa.ReverseTunnelled, ha.ReverseTunnelled);
        Assert.Equal(0, ha.ReverseTunnelRejected);
    }

    /// <summary>Timeline stamps are TimeSpans (100 ns ticks), each rounded on its own from the report's milliseconds.</summary>
    private const double TimelineTolerance = 2 * 0.0001;

    [Fact]
    public void The_timeline_follows_the_memory_migration()
    {
        var t = Report.Timeline;
        var memory = Report.Memory;
        Assert.Equal(MovedScenario.Options.Lead.TotalMilliseconds, t.MigrationStartMs);
        var switchover = Assert.IsType<SwitchoverReport>(memory.Switchover);
        Assert.Equal(switchover.PausedAtMs, t.PausedMs!.Value - t.MigrationStartMs, TimelineTolerance);
        Assert.Equal(switchover.ReleasedAtMs - switchover.PausedAtMs, t.ReleasedMs!.Value - t.PausedMs.Value, TimelineTolerance);
        Assert.Equal(LatencyMs, t.ResumedMs!.Value - t.ReleasedMs.Value, TimelineTolerance);
        Assert.Equal(t.VmPausedMs!.Value, memory.DowntimeMs, 0.01);
        Assert.Null(t.RolledBackMs);
        Assert.Equal(t.ResumedMs.Value + MovedScenario.Options.After.TotalMilliseconds, t.FlowsStoppedMs, TimelineTolerance);
        Assert.Equal(t.FlowsStoppedMs + MovedScenario.Options.Drain.TotalMilliseconds, t.EndMs, TimelineTolerance);
    }

    [Fact]
    public void The_report_reads_as_text_and_round_trips_as_json()
    {
        string text = ScenarioReportText.Format(Report);
        Assert.StartsWith("live migration of vm 10.1.0.42 from the home link to the foreign agent 10.2.0.1 over a 100 Mbit/s, 20 ms WAN", text);
        Assert.Contains(": moved", text.Split('\n')[0]);
        Assert.Contains("bulk cn->vm", text);
        Assert.Contains("requests vm->cn", text);
        Assert.Contains("handover: registration accepted", text);
        Assert.Contains("the VM kept its address", text);

        string json = ScenarioReportJson.Serialize(Report);
        Assert.Contains("\"outcome\": \"moved and reachable\"", json);
        Assert.Contains("\"sha256Delivered\"", json);
        var back = ScenarioReportJson.Deserialize(json);
        Assert.NotNull(back);
        Assert.Equal(Report.Bulk.Streams, back.Bulk.Streams);
        Assert.Equal(Report.Requests.Client, back.Requests.Client);
        Assert.Equal(Report.Requests.Latency, back.Requests.Latency);
        Assert.Equal(Report.Ping, back.Ping);
        Assert.Equal(Report.Handover, back.Handover);
        Assert.Equal(Report.Timeline, back.Timeline);
        Assert.Equal(Report.HomeAgent, back.HomeAgent);
    }

    [Fact]
    public async Task A_migration_that_fails_verification_leaves_the_vm_at_home_with_its_sessions_whole()
    {
        var report = await new LiveMigrationScenario(MovedScenario.Options with { FailVerification = true }).RunAsync();

        Assert.Equal(ScenarioReport.StayedHome, report.Outcome);
        Assert.Equal(MigrationOutcome.RolledBack, report.Memory.Outcome);
        Assert.False(report.DigestVerified);
        // The destination never verified the image, so it never registered the VM: no binding, nothing tunnelled.
        Assert.Null(report.Binding);
        Assert.Null(report.Timeline.RegistrationStartedMs);
        Assert.Equal(0, report.HomeAgent.RequestsReceived);
        Assert.Equal(0, report.HomeAgent.Tunnelled);
        Assert.Equal(0, report.HomeAgent.HandoverDropped);
        Assert.True(report.HomeAgent.HandoverReleased > 0, "what came during the pause was held and given back at home");
        Assert.Equal(report.Timeline.RolledBackMs, report.Timeline.ResumedMs);
        AssertSessionsWhole(report);
        AssertNoRto(report);
        Assert.True(report.KeptAddress);
        Assert.Contains("binding: none (the VM is at home)", ScenarioReportText.Format(report));
    }

    [Theory]
    [InlineData("gre", true)]
    [InlineData("ipip", true)]
    [InlineData("minimal", true)]
    [InlineData("gre", false)]
    [InlineData("ipip", false)]
    [InlineData("minimal", false)]
    public async Task Every_encapsulation_with_and_without_reverse_tunnelling_carries_the_sessions(string name, bool reverse)
    {
        Assert.True(TunnelKind.TryFind(name, out var encapsulation));
        var options = MovedScenario.Options with { Encapsulation = encapsulation, ReverseTunnel = reverse };
        var there = await new LiveMigrationScenario(options).RunAsync();
        Assert.Equal(ScenarioReport.Moved, there.Outcome);
        Assert.Equal(new BindingReport("10.1.0.42", "10.2.0.1", name, reverse, LifetimeSeconds: 600), there.Binding);
        AssertSessionsWhole(there);
        AssertNoRto(there);
        Assert.InRange(there.Handover.ResumeToFirstDeliveredMs!.Value, 0, 5);
        Assert.Equal(reverse, there.HomeAgent.ReverseTunnelled > 0);

    }

    [Theory]
    [InlineData("gre", true)]
    [InlineData("ipip", true)]
    [InlineData("minimal", true)]
    [InlineData("gre", false)]
    [InlineData("ipip", false)]
    [InlineData("minimal", false)]
    public async Task There_and_back_the_sessions_carry_on_and_moving_home_deregisters(string name, bool reverse)
    {
        Assert.True(TunnelKind.TryFind(name, out var encapsulation));
        var report = await new LiveMigrationScenario(MovedScenario.Options with { Encapsulation = encapsulation, ReverseTunnel = reverse, Back = true }).RunAsync();
        Assert.Equal(ScenarioReport.Moved, report.Outcome);
        var back = Assert.IsType<BackReport>(report.Back);
        Assert.True(back.Memory.Completed, back.Memory.Error);
        Assert.True(back.DigestVerified);
        // Home again: the binding is gone, and the correspondent's packets reach the VM as soon as it runs.
        Assert.True(back.Deregistered);
        Assert.Null(report.Binding);
        Assert.True(back.ResumedMs > report.Timeline.ResumedMs);
        Assert.InRange(back.ResumeToFirstDeliveredMs!.Value, 0, 5);
        Assert.Equal(0, report.HomeAgent.HandoverDropped);
        // Every octet of every session once and in order, across both moves, no reset, and no timeout fired by either.
        AssertSessionsWhole(report);
        AssertNoRto(report);
        foreach (var session in new[] { report.Bulk, report.Requests })
            foreach (var end in new[] { session.Client, session.Server })
                Assert.Equal(0, end.Retransmissions);
        Assert.Equal(report.Ping.Sent, report.Ping.Replied);
        Assert.Contains("back home: migration completed", ScenarioReportText.Format(report));
    }

    [Fact]
    public async Task One_percent_wan_loss_is_repaired_by_tcp()
    {
        var report = await new LiveMigrationScenario(MovedScenario.Options with { WanLoss = 0.01, Seed = 3 }).RunAsync();
        Assert.Equal(ScenarioReport.Moved, report.Outcome);
        AssertSessionsWhole(report);
        Assert.True(report.Bulk.Client.Retransmissions > 0, $"{report.Bulk.Client}");
        Assert.True(report.Ping.Replied < report.Ping.Sent, "pings are not repaired");
    }

    [Fact]
    public async Task The_page_stream_crosses_the_wan_so_its_loss_makes_the_migration_longer()
    {
        Assert.Contains("testbed TCP from the source host (10.1.0.3) to the destination host (10.2.0.2)", Report.PageStreamLink);
        var lossy = await new LiveMigrationScenario(MovedScenario.Options with { WanLoss = 0.02, Seed = 3 }).RunAsync();
        Assert.Equal(ScenarioReport.Moved, lossy.Outcome);
        Assert.True(lossy.DigestVerified);
        AssertSessionsWhole(lossy);
        // One connection a channel from the source host; on a loss-free WAN nothing of the page stream is sent twice.
        Assert.Equal(MovedScenario.Options.Channels, Report.PageStream.Count);
        Assert.All(Report.PageStream, e => Assert.Equal(0, e.Retransmissions));
        Assert.True(lossy.PageStream.Sum(e => e.Retransmissions) > 0, "the lossy WAN cost the page stream retransmissions");
        // TCP repairs what the WAN loses of the page stream, and backs off: the same memory takes longer to move.
        Assert.True(lossy.Memory.TotalTimeMs > 1.5 * Report.Memory.TotalTimeMs,
            $"{lossy.Memory.TotalTimeMs} ms at 2 % loss against {Report.Memory.TotalTimeMs} ms without");
    }

    [Fact]
    public void Options_that_cannot_run_are_refused_naming_the_setting()
    {
        Assert.Contains("memory", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { MemoryBytes = 1000 })).Message);
        Assert.Contains("workload", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { Workload = "db" })).Message);
        Assert.Contains("bulk rate", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { BulkBitsPerSecond = 0 })).Message);
        Assert.Contains("response", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { ResponseBytes = 0 })).Message);
        Assert.Contains("ping interval", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { PingInterval = TimeSpan.Zero })).Message);
        Assert.Null(new ScenarioOptions().Validate());
    }
}
