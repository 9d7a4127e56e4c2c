using NetMobility.Migration.Reports;
using NetMobility.Mobility;
using NetMobility.Scenario;
using NetMobility.Migration.Workloads;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
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

    [Fact]
    public void The_memory_arrives_verified_with_the_device_state()
    {
        Assert.Equal(ScenarioReport.Moved, Report.Outcome);
        Assert.True(Report.Memory.Completed, Report.Memory.Error);
        Assert.True(Report.DigestVerified);
        Assert.Null(Report.DestinationError);
        Assert.Equal(32, Report.Memory.Digest.Length);
        Assert.Equal(new DeviceStateReport("52:54:00:00:00:42", "10.1.0.42", 24, "10.1.0.1"), Report.DeviceState);
    }

    [Fact]
    public void Both_flows_arrive_complete_and_in_order_packets_sent_during_the_downtime_included()
    {
        foreach (var flow in new[] { Report.ToVm, Report.ToCorrespondent })
        {
            Assert.True(flow.CompleteAndInOrder, $"{flow}");
            Assert.Equal(flow.Sent, flow.Delivered);
            Assert.Equal(0, flow.Missing);
            Assert.Equal(0, flow.OutOfOrder);
            Assert.Equal(0, flow.Duplicates);
            Assert.Equal(0, flow.Corrupt);
        }
        // 100 packets/s each way from 0 to the end of the flows, less the VM's pause for its own flow.
        var t = Report.Timeline;
        Assert.Equal((int)(t.FlowsStoppedMs / 10) + 1, Report.ToVm.Sent);
        Assert.True(Report.ToCorrespondent.Sent < Report.ToVm.Sent);

        // What the correspondent sent while the VM did not run was queued by the source host or held by the home
        // agent, and every packet of it arrived (the flow is complete).
        var h = Report.Handover;
        Assert.True(h.SourceQueued > 0);
        Assert.Equal(h.SourceQueued, h.SourceForwarded);
        Assert.Equal(0, h.SourceQueueDropped);
        Assert.True(h.HomeAgentReleased >= (long)(t.VmPausedMs!.Value / 10), $"{h.HomeAgentReleased} released over a {t.VmPausedMs} ms pause");
        Assert.Equal(0, h.HomeAgentDropped);
        // And what the VM sent before its registration was in force waited in its port.
        Assert.True(h.VmHeld > 0);
    }

    [Fact]
    public void The_correspondent_still_talks_to_the_home_address_now_bound_to_the_foreign_agent()
    {
        Assert.True(Report.KeptAddress);
        Assert.Equal("10.1.0.42", Report.CorrespondentSawSource);
        Assert.Equal(new BindingReport("10.1.0.42", "10.2.0.1", "gre", ReverseTunnel: true, LifetimeSeconds: 600), Report.Binding);
        // Reverse tunnelling took the VM's packets past the correspondent's ingress filter.
        Assert.Equal(0, Report.IngressFiltered);
    }

    [Fact]
    public void The_agents_counters_agree_with_each_other_and_with_the_flows()
    {
        var ha = Report.HomeAgent;
        var fa = Report.ForeignAgent;
        Assert.Equal(1, ha.RequestsReceived);
        Assert.Equal(1, ha.Accepted);
        Assert.Equal(0, ha.Denied);
        Assert.Equal(1, fa.RequestsReceived);
        Assert.Equal(1, fa.RepliesReceived);
        // A loss-free WAN: every packet tunnelled is delivered, every reverse-tunnelled packet taken in.
        Assert.Equal(ha.Tunnelled, fa.Delivered);
        Assert.Equal(fa.ReverseTunnelled, ha.ReverseTunnelled);
        Assert.Equal(0, ha.ReverseTunnelRejected);
        Assert.Equal(0, fa.NotForAVisitor);
        Assert.Equal(Report.Handover.HomeAgentReleased, ha.HandoverReleased);
        Assert.True(ha.Tunnelled >= ha.HandoverReleased);
        Assert.True(ha.Tunnelled < Report.ToVm.Sent, "packets before the move went straight to the VM");
        Assert.True(fa.ReverseTunnelled >= Report.Handover.VmHeld);
        Assert.True(ha.ReverseTunnelled < Report.ToCorrespondent.Sent, "packets before the move went straight to the correspondent");
    }

    /// <summary>
    /// Timeline stamps are TimeSpans (100 ns ticks), each rounded on its own from the report's milliseconds: a
    /// difference of two stamps may be one tick off, a stamp built from two durations two ticks.
    /// </summary>
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
        // The commit takes one WAN latency to the destination, which resumes the VM on it.
        Assert.Equal(LatencyMs, t.ResumedMs!.Value - t.ReleasedMs.Value, TimelineTolerance);
        // The engine's downtime runs to the resumption at the destination, the commit's way there taken as half the
        // round trip of commit and resumed: the VM's pause in the replay, up to the microseconds those records take
        // on the wire.
        Assert.True(switchover.ResumeConfirmed);
        Assert.Equal(t.VmPausedMs!.Value, memory.DowntimeMs, 0.01);
        Assert.Null(t.RolledBackMs);
        // The flows run on until the registration is accepted, and then for the time the options give.
        Assert.Equal(t.ResumedMs.Value + Report.Handover.ResumeToRegisteredMs!.Value + MovedScenario.Options.After.TotalMilliseconds, t.FlowsStoppedMs, TimelineTolerance);
        Assert.Equal(t.FlowsStoppedMs + MovedScenario.Options.Drain.TotalMilliseconds, t.EndMs, TimelineTolerance);

        // The registration goes to the home agent and back across the WAN: a round trip at the least.
        var h = Report.Handover;
        Assert.InRange(h.ResumeToRegisteredMs!.Value, 2 * LatencyMs, 10 * LatencyMs);
        // Held packets follow the registration reply down the same path.
        Assert.True(h.ResumeToFirstDeliveredMs >= h.ResumeToRegisteredMs);
        Assert.True(h.ResumeToFirstReverseMs >= h.ResumeToRegisteredMs);
    }

    [Fact]
    public void The_report_reads_as_text_and_round_trips_as_json()
    {
        string text = ScenarioReportText.Format(Report);
        Assert.StartsWith("live migration of vm 10.1.0.42 from the home link to the foreign agent 10.2.0.1 over a 100 Mbit/s, 20 ms WAN", text);
        Assert.Contains(": moved", text.Split('\n')[0]);
        Assert.Contains("digest verified at the destination: yes", text);
        Assert.Contains("binding: 10.1.0.42 -> care-of 10.2.0.1, gre, reverse tunnel, lifetime 600 s", text);
        Assert.Contains("the VM kept its address", text);

        string json = ScenarioReportJson.Serialize(Report);
        Assert.Contains("\"outcome\": \"moved and reachable\"", json);
        var back = ScenarioReportJson.Deserialize(json);
        Assert.NotNull(back);
        Assert.Equal(Report.ToVm, back.ToVm);
        Assert.Equal(Report.ToCorrespondent, back.ToCorrespondent);
        Assert.Equal(Report.Handover, back.Handover);
        Assert.Equal(Report.Timeline, back.Timeline);
        Assert.Equal(Report.Binding, back.Binding);
        Assert.Equal(Report.HomeAgent, back.HomeAgent);
        Assert.Equal(Report.Memory.Digest, back.Memory.Digest);
        Assert.Equal(Report.Memory.Rounds.Count, back.Memory.Rounds.Count);
    }

    [Fact]
    public async Task A_migration_that_fails_verification_leaves_the_vm_at_home_with_its_flows_whole()
    {
        var report = await new LiveMigrationScenario(MovedScenario.Options with { FailVerification = true }).RunAsync();

        Assert.Equal(ScenarioReport.StayedHome, report.Outcome);
        Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.RolledBack, report.Memory.Outcome);
        Assert.Contains("digest", report.Memory.Error);
        Assert.False(report.DigestVerified);
        Assert.NotNull(report.DestinationError);
        Assert.Null(report.DeviceState);

        // No handover: the home agent never heard of the move.
        Assert.Null(report.Binding);
        Assert.Equal(new HomeAgentReport(), report.HomeAgent);
        Assert.Equal(new ForeignAgentReport(), report.ForeignAgent);
        Assert.Equal(0, report.Handover.SourceForwarded);
        Assert.Null(report.Handover.ResumeToRegisteredMs);

        // The VM paused for stop-and-copy; what came meanwhile waited at the source and reached it on the rollback.
        var t = report.Timeline;
        Assert.Null(t.ReleasedMs);
        Assert.Equal(t.RolledBackMs, t.ResumedMs);
        // The times are milliseconds as doubles: 1044.7041 - 1004.7041 may come out a hair under 40.
        Assert.True(t.RolledBackMs - t.PausedMs >= 2 * LatencyMs - 1e-6, $"the refusal needs a round trip to come back: {t}");
        Assert.True(report.Handover.SourceQueued > 0);
        Assert.Equal(report.Handover.SourceQueued, report.Handover.SourceDeliveredOnResume);
        Assert.True(report.ToVm.CompleteAndInOrder, $"{report.ToVm}");
        Assert.True(report.ToCorrespondent.CompleteAndInOrder, $"{report.ToCorrespondent}");
        Assert.True(report.KeptAddress);
        Assert.Contains("binding: none (the VM is at home)", ScenarioReportText.Format(report));
    }

    [Theory]
    [InlineData("ipip")]
    [InlineData("minimal")]
    public async Task Every_encapsulation_carries_the_move(string name)
    {
        Assert.True(TunnelKind.TryFind(name, out var encapsulation));
        var report = await new LiveMigrationScenario(MovedScenario.Options with { Encapsulation = encapsulation }).RunAsync();

        Assert.Equal(ScenarioReport.Moved, report.Outcome);
        Assert.Equal(name, report.Network.Encapsulation);
        Assert.Equal(new BindingReport("10.1.0.42", "10.2.0.1", name, ReverseTunnel: true, LifetimeSeconds: 600), report.Binding);
        Assert.True(report.ToVm.CompleteAndInOrder, $"{report.ToVm}");
        Assert.True(report.ToCorrespondent.CompleteAndInOrder, $"{report.ToCorrespondent}");
        Assert.True(report.HomeAgent.Tunnelled > 0);
        Assert.Equal(report.HomeAgent.Tunnelled, report.ForeignAgent.Delivered);
        Assert.Equal(0, report.IngressFiltered);
    }

    [Fact]
    public void Options_that_cannot_run_are_refused_naming_the_setting()
    {
        Assert.Contains("memory", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { MemoryBytes = 1000 })).Message);
        Assert.Contains("workload", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { Workload = "db" })).Message);
        Assert.Contains("rate", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { PacketsPerSecond = 0 })).Message);
        Assert.Contains("payload", Assert.Throws<ArgumentException>(() => new LiveMigrationScenario(new ScenarioOptions { PayloadBytes = 1437 })).Message);
        Assert.Null(new ScenarioOptions().Validate());
    }
}
