using NetMobility.Migration.Reports;

namespace NetMobility.Tests.Migration;

public class ReportTests
{
    private static MigrationReport Sample() => new()
    {
        Policy = "adaptive", Workload = "web-server", Transport = "memory", MemoryBytes = 64L << 20, Channels = 2, Outcome = NetMobility.Migration.Reports.MigrationOutcome.Completed,
        StopReason = "predicted downtime meets the target", TotalTimeMs = 358.5, DowntimeMs = 5.0, WireBytes = 44_040_192, LogicalBytes = 69_943_296,
        CompressionRatio = 1.59, CpuTimeMs = 495.3, Digest = new string('a', 64),
        Rounds =
        [
            new RoundReport { Round = 1, PagesSent = 16384, WireBytes = 41_838_182, LogicalBytes = 67_108_864, Encodings = new() { ["raw"] = 9539, ["zero"] = 5609 }, DirtyPages = 635, DirtyRate = 1899, DurationMs = 334.4 },
            new RoundReport { Round = 2, StopAndCopy = true, PagesSent = 194, WireBytes = 369_050, LogicalBytes = 794_624, Encodings = new() { ["delta"] = 103 }, DurationMs = 3.0 },
        ],
    };

    [Fact]
    public void Json_round_trips_with_camel_case_names()
    {
        string json = ReportJson.Serialize(Sample());
        Assert.Contains("\"downtimeMs\": 5", json);
        Assert.Contains("\"stopAndCopy\": true", json);
        Assert.Contains("\"outcome\": \"completed\"", json);
        var back = ReportJson.Deserialize(json)!;
        Assert.Equal(5.0, back.DowntimeMs);
        Assert.Equal(2, back.Rounds.Count);
        Assert.Equal(5609, back.Rounds[0].Encodings["zero"]);
        Assert.True(back.Completed);
    }

    [Fact]
    public void Summary_shows_a_line_per_round_and_the_totals()
    {
        string text = ReportText.Format(Sample());
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("migration of 64.0 MiB (web-server) over memory, policy adaptive, 2 channel(s): completed", lines[0]);
        Assert.StartsWith("1      16384", lines[2]);
        Assert.StartsWith("2*     194", lines[3]);
        Assert.Contains("delta:103", lines[3]);
        Assert.StartsWith("total time 358.5 ms, downtime 5.000 ms, wire 42.0 MiB for 66.7 MiB of pages (ratio 1.59)", lines[4]);
    }
}
