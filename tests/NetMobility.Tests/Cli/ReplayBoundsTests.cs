using NetMobility.Tests.Capture;
using NetMobility.Tests.Replay;
using CaptureFrames = NetMobility.Tests.Capture.TestFrames;

namespace NetMobility.Tests.Cli;

/// <summary>
/// What a replay emits is bounded by its input, not by the span of the capture's clock: a gap between frames is
/// slept through (each timer due in it fires once), advertisement intervals keep to the RFC limits, and the output
/// has a size bound that ends the replay with one line.
/// </summary>
public sealed class ReplayBoundsTests : IDisposable
{
    private static readonly string ForeignAgentConfig = File.ReadAllText(RepositoryFiles.Path("captures", "replay", "foreign-agent", "config.json"));
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-bounds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const uint Start = 1_700_000_000;
    private const uint TenYears = 315_360_000;

    /// <summary>Two frames of no interest to the agent, ten years apart.</summary>
    private string TwoFramesTenYearsApart()
    {
        string path = Path.Combine(_dir, "in.pcap");
        File.WriteAllBytes(path, CaptureBytes.Concat(
            CaptureBytes.PcapHeader(false, false, 65535, 1),
            CaptureBytes.PcapRecord(false, Start, 0, CaptureFrames.ArpRequest),
            CaptureBytes.PcapRecord(false, Start + TenYears, 0, CaptureFrames.ArpRequest)));
        return path;
    }

    private string Config(string json)
    {
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_ten_year_gap_costs_each_periodic_timer_one_firing()
    {
        string output = Path.Combine(_dir, "out.pcap");

        var result = Netmob.Run("replay", TwoFramesTenYearsApart(), "--config", Config(ForeignAgentConfig), "--out", output);

        Assert.True(result.ExitCode == 0, result.StandardError);
        var seconds = CapturedFrame.ReadAll(output).Select(f => f.TimestampNanoseconds / 1_000_000_000).ToList();
        long first = Start, second = Start + (long)TenYears;
        // A minute of advertisements at their own times after the first frame (0..60 s), then none in the gap, one
        // when the second frame comes, and one a second after it (the default settle time).
        Assert.Equal(Enumerable.Range(0, 61).Select(i => first + i), seconds.Where(s => s < second));
        Assert.Equal([second, second + 1], seconds.Where(s => s >= second));
    }

    [Fact]
    public void The_time_run_at_full_detail_after_a_frame_is_set_by_gapMs()
    {
        string output = Path.Combine(_dir, "out.pcap");
        string config = Config(ForeignAgentConfig.TrimEnd().TrimEnd('}') + ", \"gapMs\": 5000 }");

        var result = Netmob.Run("replay", TwoFramesTenYearsApart(), "--config", config, "--out", output);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(6 + 2, CapturedFrame.ReadAll(output).Count);
    }

    [Fact]
    public void An_advertisement_interval_below_the_rfc_minimum_is_refused()
    {
        string config = Config(ForeignAgentConfig.Replace("\"advertisementIntervalMs\": 1000", "\"advertisementIntervalMs\": 0.001"));
        var result = Netmob.Run("replay", TwoFramesTenYearsApart(), "--config", config, "--out", Path.Combine(_dir, "out.pcap"));
        Netmob.AssertRefused(result, "node.roles[0].advertisementIntervalMs: must be a number of milliseconds 1000..1800000 (RFC 5944 sec 2.3.1");
    }

    [Fact]
    public void An_output_past_its_bound_ends_the_replay_with_one_line_and_no_file()
    {
        string output = Path.Combine(_dir, "out.pcap");
        string config = Config(ForeignAgentConfig.TrimEnd().TrimEnd('}') + ", \"maxOutputBytes\": 2048 }");

        var result = Netmob.Run("replay", TwoFramesTenYearsApart(), "--config", config, "--out", output);

        Netmob.AssertRefused(result, $"{output}: the output would pass 2048 bytes at frame ");
        Assert.False(File.Exists(output));
    }
}
