using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Bench;
using NetMobility.Migration;
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
    public void Calibration_times_the_delta_encoder_and_the_zero_check_in_cpu_time()
    {
        var c = Calibration.Value;
        // Every one of the 16 x 256 sample pages encoded as a delta at least twice, over at least 200 ms of CPU.
        Assert.True(c.DeltaPagesTimed >= 2 * 16 * EncodingCalibration.Samples, $"{c.DeltaPagesTimed} deltas timed");
        Assert.True(c.DeltaCost * c.DeltaPagesTimed >= 0.2, $"{c.DeltaCost} s x {c.DeltaPagesTimed}");
        // A delta reads two pages and writes a few octets; the zero check reads at most one page: both well under a
        // millisecond of CPU, and the delta costs more than the check that precedes it.
        Assert.InRange(c.DeltaCost, 1e-9, 1e-3);
        Assert.InRange(c.ZeroScanCost, 1e-10, c.DeltaCost);
    }

    [Fact]
    public void Xbzrle_pays_the_measured_delta_cost_for_every_delta_page()
    {
        var c = Calibration.Value;
        // Legacy Xen's stop rule runs many rounds, so that XBZRLE has pages in its cache to send as deltas.
        var report = new MigrationSimulator(c).Run(Settings(EncoderProfile.Xbzrle), new XenLegacyPolicy(), MigrationBench.CreateWorkload("web", 7));
        long Count(string encoding) => report.Rounds.Sum(r => r.Encodings.GetValueOrDefault(encoding));
        long deltas = Count("delta"), raw = Count("raw"), zero = Count("zero"), unchanged = Count("unchanged");
        Assert.True(deltas > 0, $"{deltas} delta pages");
        double scan = c.ZeroScanCost * 1e3, delta = c.DeltaCost * 1e3;
        // Every page pays the zero check (an unchanged one the comparison too), a delta page the delta; a raw page
        // that was cached also paid for the delta it gave up on.
        double least = (zero + raw) * scan + unchanged * 2 * scan + deltas * (scan + delta);
        Assert.InRange(report.CpuTimeMs, least * (1 - 1e-9), least + raw * delta * (1 + 1e-9));
    }

    [Theory]
    [InlineData(100e6)]
    [InlineData(1e9)]
    [InlineData(10e9)]
    public void Encoding_and_sending_overlap_so_a_pass_moves_at_the_pace_of_the_busier_stage(double bitsPerSecond)
    {
        // The adaptive encoder mixes batches the link limits (raw, LZ4) with batches the cores limit (zstd, Deflate);
        // with the two stages overlapping, the first pass takes about the larger of its link time and its CPU time
        // over the cores, not the sum of each batch's larger one.
        var report = new MigrationSimulator(Calibration.Value).Run(Settings(EncoderProfile.Adaptive) with { BitsPerSecond = bitsPerSecond },
            new AdaptivePolicy(), MigrationBench.CreateWorkload("idle", 7));
        var first = report.Rounds[0];
        double linkMs = first.WireBytes * 8 / bitsPerSecond * 1000;
        // An idle guest's later rounds are a few pages: the CPU time is the first pass's, over the two channels' cores.
        double busier = Math.Max(linkMs, report.CpuTimeMs / 2);
        Assert.InRange(first.DurationMs, busier * 0.95, busier * 1.05 + 1);
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
        var report = new MigrationSimulator(Calibration.Value).Run(Settings(EncoderProfile.Raw), new XenStreamV2Policy(), MigrationBench.CreateWorkload("idle", 7));
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

    [Fact]
    public void Every_policy_pays_the_fixed_switchover_cost_in_its_downtime()
    {
        var simulator = new MigrationSimulator(Calibration.Value);
        var without = simulator.Run(Settings(EncoderProfile.Adaptive), new AdaptivePolicy(), MigrationBench.CreateWorkload("idle", 7));
        var with = simulator.Run(Settings(EncoderProfile.Adaptive) with { FixedSwitchover = TimeSpan.FromMilliseconds(5) }, new AdaptivePolicy(),
            MigrationBench.CreateWorkload("idle", 7));
        Assert.Equal(5, with.DowntimeMs - without.DowntimeMs, 3);
    }

    [Fact]
    public void Xen_v2_sends_the_pages_it_saw_live_before_the_pause()
    {
        var report = new MigrationSimulator(Calibration.Value).Run(Settings(EncoderProfile.Raw), new XenStreamV2Policy(), MigrationBench.CreateWorkload("idle", 7));
        Assert.Contains("fewer than 50", report.StopReason);
        // The policy saw fewer than 50 dirty pages: one more live round sends them, then stop-and-copy what that round left.
        var live = report.Rounds[^2];
        Assert.False(live.StopAndCopy);
        Assert.InRange(live.PagesSent, 1, 49);
        Assert.True(report.Rounds[^1].StopAndCopy);
        Assert.True(report.Rounds[^1].PagesSent < live.PagesSent, $"{report.Rounds[^1].PagesSent} after {live.PagesSent}");
    }

    [Fact]
    public void Legacy_xen_skips_pages_written_again_during_the_round()
    {
        var simulator = new MigrationSimulator(Calibration.Value);
        var legacy = simulator.Run(Settings(EncoderProfile.Raw), new XenLegacyPolicy(), MigrationBench.CreateWorkload("web", 7));
        // Round 1 leaves out the hot pages the web server wrote again before their turn came.
        Assert.True(legacy.Rounds[0].PagesSent < 8192, $"{legacy.Rounds[0].PagesSent}");
    }

    [Fact]
    public void Qemu_switches_mid_round_once_the_rest_fits_its_downtime_limit()
    {
        var report = new MigrationSimulator(Calibration.Value).Run(Settings(EncoderProfile.ZeroDetect), new QemuPolicy(false), MigrationBench.CreateWorkload("idle", 7));
        // 300 ms at 100 Mbit/s is 3.75 MB, 915 pages: QEMU switches before the first pass ends and sends the rest paused.
        Assert.Contains("after a batch", report.StopReason);
        Assert.Equal(2, report.Rounds.Count);
        Assert.True(report.Rounds[1].PagesSent > 100, $"{report.Rounds[1].PagesSent}");
        Assert.True(report.DowntimeMs > 100, $"{report.DowntimeMs}");
    }

    [Fact]
    public void Qemu_without_auto_converge_does_not_converge_on_a_scan_faster_than_the_link()
    {
        var report = new MigrationSimulator(Calibration.Value).Run(Settings(EncoderProfile.ZeroDetect), new QemuPolicy(false), MigrationBench.CreateWorkload("scan", 7));
        Assert.Equal(MigrationOutcome.NotConverged, report.Outcome);
        Assert.True(report.WireBytes > 12 * (32L << 20));
    }

    [Fact]
    public void Qemu_encoders_send_what_their_systems_ship()
    {
        var simulator = new MigrationSimulator(Calibration.Value);
        var zero = simulator.Run(Settings(EncoderProfile.ZeroDetect), new QemuPolicy(true), MigrationBench.CreateWorkload("web", 7));
        var xbzrle = simulator.Run(Settings(EncoderProfile.Xbzrle), new QemuPolicy(true), MigrationBench.CreateWorkload("web", 7));
        var zstd = simulator.Run(Settings(EncoderProfile.MultifdZstd), new QemuPolicy(true), MigrationBench.CreateWorkload("web", 7));
        var zlib = simulator.Run(Settings(EncoderProfile.MultifdZlib), new QemuPolicy(true), MigrationBench.CreateWorkload("web", 7));
        // XBZRLE starts after the first pass; multifd compression packs every non-zero page.
        Assert.DoesNotContain("delta", xbzrle.Rounds[0].Encodings.Keys);
        Assert.Contains("zstd", zstd.Rounds[0].Encodings.Keys);
        Assert.Contains("deflate", zlib.Rounds[0].Encodings.Keys);
        Assert.True(zstd.WireBytes < zero.WireBytes * 0.8, $"{zstd.WireBytes} vs {zero.WireBytes}");
        Assert.True(zlib.WireBytes < zero.WireBytes * 0.8, $"{zlib.WireBytes} vs {zero.WireBytes}");
        Assert.True(xbzrle.WireBytes <= zero.WireBytes, $"{xbzrle.WireBytes} vs {zero.WireBytes}");
    }

    [Fact]
    public void Bench_scores_the_adaptive_policy_against_the_best_completed_baseline()
    {
        var grid = new BenchGrid { MemoryBytes = [32L << 20], Links = [100e6], Workloads = ["web"], FixedSwitchover = TimeSpan.FromMilliseconds(1) };
        var rows = MigrationBench.Run(grid, Calibration.Value);
        var row = Assert.Single(rows);
        Assert.Equal(MigrationBench.PolicyNames.Count, row.Reports.Count);
        double best = row.Reports.Where(r => r.Key != "adaptive" && r.Value.Completed).Min(r => r.Value.WireBytes);
        Assert.Equal(row.Reports["adaptive"].WireBytes / best, row.Ratio(r => r.WireBytes), 6);
        var same = MigrationBench.RunSameEncoder(grid, Calibration.Value);
        Assert.All(Assert.Single(same).Reports.Values, r => Assert.Contains(r.Rounds, x => x.Encodings.ContainsKey("delta") || x.Encodings.ContainsKey("zstd") || x.Encodings.ContainsKey("lz4")));
        Assert.Contains("adaptive goals met on 1 rows", MigrationBench.Summary(rows));
    }
}
