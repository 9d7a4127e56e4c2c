using NetMobility.Migration.Policies;
using NetMobility.Migration.Simulation;
using NetMobility.Migration;
using NetMobility.Runtime;
using NetMobility.Migration.Content;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

public class MigrationSimulatorTests
{
    private static readonly Lazy<EncodingCalibration> Calibration = new(() =>
    {
        using var image = new MemoryImage(32L << 20);
        RealisticContent.Fill(image, 1, ContentProfile.Typical);
        return EncodingCalibration.Measure(image);
    });

    private static SimulationSettings Settings(EncoderProfile encoder) =>
        new() { MemoryBytes = 32L << 20, BitsPerSecond = 100e6, Latency = TimeSpan.FromMilliseconds(0.1), Encoder = encoder };

    [Fact]
    public void Calibration_measures_sizes_with_the_real_encoders()
    {
        var c = Calibration.Value;
        Assert.Equal(8192, c.PageCount);
        // Random bytes do not compress; text compresses well; a single small update is a delta of a few octets.
        Assert.Equal(4096, c.WrittenZstd[(int)WriteKind.Random]);
        Assert.InRange(c.WrittenZstd[(int)WriteKind.Text], 200, 3000);
        Assert.InRange(c.DeltaBytes[1], 2, 40);
        Assert.True(c.DeltaBytes[16] > c.DeltaBytes[1]);
    }

    [Fact]
    public void Same_inputs_give_the_same_migration()
    {
        var simulator = new MigrationSimulator(Calibration.Value);
        var a = simulator.Run(Settings(EncoderProfile.Adaptive), new AdaptivePolicy(), MigrationBench.CreateWorkload("web", 7));
        var b = simulator.Run(Settings(EncoderProfile.Adaptive), new AdaptivePolicy(), MigrationBench.CreateWorkload("web", 7));
        Assert.Equal(a.WireBytes, b.WireBytes);
        Assert.Equal(a.TotalTimeMs, b.TotalTimeMs);
        Assert.Equal(a.Rounds.Count, b.Rounds.Count);
    }

    [Fact]
    public void Raw_xen_migration_of_an_idle_guest_sends_the_memory_once_at_the_link_rate()
    {
        var report = new MigrationSimulator(Calibration.Value).Run(Settings(EncoderProfile.Raw), new XenLegacyPolicy(), MigrationBench.CreateWorkload("idle", 7));
        Assert.Equal(8192, report.Rounds[0].PagesSent);
        Assert.Equal(["raw"], report.Rounds[0].Encodings.Keys);
        // 32 MiB plus framing at 100 Mbit/s: a little over 2.68 s.
        Assert.InRange(report.Rounds[0].DurationMs, 2684, 2700);
        Assert.True(report.Rounds[^1].StopAndCopy);
    }

    [Fact]
    public void Adaptive_beats_xen_on_a_web_server()
    {
        var simulator = new MigrationSimulator(Calibration.Value);
        var xen = simulator.Run(Settings(EncoderProfile.Raw), new XenLegacyPolicy(), MigrationBench.CreateWorkload("web", 7));
        var adaptive = simulator.Run(Settings(EncoderProfile.Adaptive), new AdaptivePolicy(), MigrationBench.CreateWorkload("web", 7));
        Assert.True(adaptive.WireBytes < xen.WireBytes / 2, $"{adaptive.WireBytes} vs {xen.WireBytes}");
        Assert.True(adaptive.DowntimeMs < xen.DowntimeMs, $"{adaptive.DowntimeMs} vs {xen.DowntimeMs}");
        Assert.True(adaptive.Rounds[1].Encodings.ContainsKey("delta"));
    }
}
