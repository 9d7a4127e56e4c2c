using NetMobility.Cli;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Reports;
using NetMobility.Runtime;
using NetMobility.Scenario;

namespace NetMobility.Tests.Cli;

/// <summary>
/// The live view of <c>scenario run</c>: samples come as fast as virtual time moves, lines go out at a bounded rate of
/// real time (here a manual clock): plain lines when stderr is not a terminal, a panel rewritten in place when it is.
/// </summary>
public class ScenarioProgressViewTests
{
    private static readonly DateTimeOffset Origin = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Feeds <paramref name="count"/> samples 10 ms of virtual time apart, moving real time by <paramref name="realStep"/> after each.</summary>
    private static void Feed(ScenarioTimeline timeline, ManualTimeProvider real, int count, TimeSpan realStep, ref int tick)
    {
        for (int i = 0; i < count; i++, tick++)
        {
            var at = Origin + TimeSpan.FromMilliseconds(10 * tick);
            timeline.SessionProgress("bulk", at, 1000L * tick, tick / 50);
            if (tick % 5 == 0) timeline.RequestLatency("requests", at, TimeSpan.FromMilliseconds(21.5));
            timeline.PingReply(at, TimeSpan.FromMilliseconds(20));
            timeline.MigrationProgress(at, Progress(tick));
            timeline.Sample(at);
            real.Advance(realStep);
        }
    }

    private static MigrationProgress Progress(int tick) => new(2, false, 300, 1000, 4L << 20, 1500, TimeSpan.FromMilliseconds(10 * tick));

    [Fact]
    public void Without_a_terminal_it_writes_a_plain_line_a_second_of_real_time_and_one_at_the_end()
    {
        var timeline = new ScenarioTimeline();
        timeline.Start(Origin);
        var real = new ManualTimeProvider();
        var error = new StringWriter();
        int tick = 0;
        using (new ScenarioProgressView(timeline, error, live: false, real))
        {
            // 1000 samples (10 s of virtual time) in 2.5 s of real time: lines at 0, 1 and 2 s.
            Feed(timeline, real, 1000, TimeSpan.FromMilliseconds(2.5), ref tick);
            Assert.Equal(3, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        foreach (var line in lines)
        {
            Assert.StartsWith(ScenarioProgressView.PlainPrefix, line);
            Assert.DoesNotContain('\r', line);
            Assert.DoesNotContain('\u001b', line);
        }
        Assert.Equal($"scenario t=0.000 s (virtual); memory {ProgressLine.Format(Progress(0))}; bulk {ReportText.Bytes(0)} delivered, 0 retransmitted; "
            + $"requests {ReportText.Bytes(0)} delivered, 0 retransmitted, last request 21.5 ms; ping 1 replies, last round trip 20.0 ms", lines[0]);
        Assert.Equal($"scenario t=9.990 s (virtual); memory {ProgressLine.Format(Progress(999))}; bulk {ReportText.Bytes(999_000)} delivered, 19 retransmitted; "
            + $"requests {ReportText.Bytes(0)} delivered, 0 retransmitted, last request 21.5 ms; ping 1000 replies, last round trip 20.0 ms", lines[^1]);
    }

    [Fact]
    public void On_a_terminal_it_rewrites_a_panel_in_place_four_times_a_second_cut_to_the_width()
    {
        var timeline = new ScenarioTimeline();
        timeline.Start(Origin);
        var real = new ManualTimeProvider();
        var error = new StringWriter();
        int tick = 0;
        using (new ScenarioProgressView(timeline, error, live: true, real, width: () => 40))
            Feed(timeline, real, 100, TimeSpan.FromMilliseconds(10), ref tick); // 1 s of real time: at 0, 0.25, 0.5, 0.75 s, then the end
        string text = error.ToString();
        Assert.EndsWith(Environment.NewLine, text);
        var panels = text.TrimEnd('\n').Split('\r');
        Assert.Equal(6, panels.Length); // before the first \r nothing; then five panels
        Assert.Equal("", panels[0]);
        foreach (var panel in panels[1..])
        {
            var lines = panel.Split('\n');
            // time, memory, bulk, requests, ping; each cleared to the end of the line and cut to 39 columns.
            Assert.Equal(5, lines.Length);
            Assert.StartsWith("t=", lines[0]);
            foreach (var line in lines)
            {
                string shown = line.Replace("\u001b[K", "").Replace("\u001b[4A", "");
                Assert.True(shown.Length < 40, shown);
                Assert.Contains("\u001b[K", line);
            }
        }
        // After the first panel, each goes back up its four lines first.
        Assert.Equal(4, text.Split("\u001b[4A").Length - 1);
        Assert.Contains("memory    round 2", text);
    }

    [Fact]
    public void The_memory_line_says_done_once_the_migration_is_over()
    {
        var timeline = new ScenarioTimeline();
        timeline.Start(Origin);
        Assert.Contains("memory not started", string.Join("; ", ScenarioProgressView.Lines(timeline, padded: false)));
        // The watch's last sample, as it ends, is where the migration ended.
        using (timeline.WatchMigration(new ManualTimeProvider(), () => new MigrationProgress(5, true, 0, 1000, 3L << 20, 0, TimeSpan.FromSeconds(1)))) { }
        Assert.Contains("memory done after round 5, 3.0 MiB sent", string.Join("; ", ScenarioProgressView.Lines(timeline, padded: false)));
    }
}
