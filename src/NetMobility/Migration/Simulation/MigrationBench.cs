using System.Globalization;
using System.Text;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Runtime;
using NetMobility.Migration.Content;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Simulation;

/// <summary>The grid of the bench: every policy on every workload, memory size and link speed.</summary>
public sealed record BenchGrid
{
    public IReadOnlyList<string> Policies { get; init; } = MigrationBench.PolicyNames;
    public IReadOnlyList<string> Workloads { get; init; } = MigrationBench.WorkloadNames;
    public IReadOnlyList<long> MemoryBytes { get; init; } = [512L << 20, 1L << 30, 1536L << 20, 2L << 30];
    public IReadOnlyList<double> Links { get; init; } = [100e6, 1e9, 10e9];
    /// <summary>One-way latency: a LAN, as in the Abbi 2015 testbed.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(0.1);
    public int Channels { get; init; } = 2;

    /// <summary>The --quick subset: 0.5 GiB at 100 Mbit/s and 1 Gbit/s.</summary>
    public static BenchGrid Quick { get; } = new() { MemoryBytes = [512L << 20], Links = [100e6, 1e9] };
}

/// <summary>One row of the bench: one workload, memory size and link, every policy.</summary>
public sealed record BenchRow(double BitsPerSecond, long MemoryBytes, string Workload, IReadOnlyDictionary<string, MigrationReport> Reports)
{
    /// <summary>The best (least) value among the Xen and QEMU policies in the row.</summary>
    public double BestBaseline(Func<MigrationReport, double> measure) =>
        Reports.Where(r => r.Key != "adaptive").Select(r => measure(r.Value)).DefaultIfEmpty(double.NaN).Min();
}

/// <summary>
/// Runs the bench grid in virtual time with <see cref="MigrationSimulator"/>: the seed image of the largest
/// size is built once (realistic content), measured once by the real encoders, and every smaller size uses
/// its first pages. Each policy migrates with the encoder its system uses by default (Xen: raw, QEMU: zero
/// detection, adaptive: the adaptive encoder).
/// </summary>
public static class MigrationBench
{
    public static readonly IReadOnlyList<string> PolicyNames = ["xen-legacy", "xen-v2", "qemu", "qemu-ac", "adaptive"];
    public static readonly IReadOnlyList<string> WorkloadNames = ["idle", "web", "uniform", "scan"];

    /// <summary>The goals of the adaptive policy against the best of Xen and QEMU on each row.</summary>
    public const double DowntimeGoal = 0.5, TotalTimeGoal = 0.7, WireBytesGoal = 0.5;

    public static IStopPolicy CreatePolicy(string name) => name switch
    {
        "xen-legacy" => new XenLegacyPolicy(),
        "xen-v2" => new XenStreamV2Policy(),
        "qemu" => new QemuPolicy(autoConverge: false),
        "qemu-ac" => new QemuPolicy(autoConverge: true),
        "adaptive" => new AdaptivePolicy(),
        _ => throw new ArgumentException($"unknown policy '{name}' (expected {string.Join(", ", PolicyNames)})", nameof(name)),
    };

    public static EncoderProfile ProfileFor(string policy) => policy switch
    {
        "xen-legacy" or "xen-v2" => EncoderProfile.Raw,
        "qemu" or "qemu-ac" => EncoderProfile.ZeroDetect,
        _ => EncoderProfile.Adaptive,
    };

    /// <summary>
    /// The bench's workloads: an idle guest (50 page writes/s), a web server (20 000 writes/s, 95 % of them
    /// on a 2 % hot set), uniform random writes (5 000 pages/s, 20 MB/s) and a sequential scan (10 000 pages/s).
    /// </summary>
    public static Workload CreateWorkload(string name, int seed) => name switch
    {
        "idle" => new IdleWorkload(seed),
        "web" => new WebServerWorkload(seed),
        "uniform" => new UniformRandomWorkload(seed, 5_000),
        "scan" => new SequentialScanWorkload(seed, 10_000),
        _ => throw new ArgumentException($"unknown workload '{name}' (expected {string.Join(", ", WorkloadNames)})", nameof(name)),
    };

    /// <summary>Builds and measures the seed image for the largest memory of <paramref name="grid"/>.</summary>
    public static EncodingCalibration Calibrate(BenchGrid grid, int seed = 1)
    {
        using var image = new MemoryImage(grid.MemoryBytes.Max());
        RealisticContent.Fill(image, seed, ContentProfile.Typical);
        return EncodingCalibration.Measure(image, seed);
    }

    public static List<BenchRow> Run(BenchGrid grid, EncodingCalibration calibration, Action<string>? progress = null)
    {
        var simulator = new MigrationSimulator(calibration);
        var rows = new List<BenchRow>();
        foreach (double link in grid.Links)
            foreach (long memory in grid.MemoryBytes)
                foreach (string workload in grid.Workloads)
                {
                    var reports = new Dictionary<string, MigrationReport>();
                    foreach (string policy in grid.Policies)
                    {
                        var settings = new SimulationSettings
                        {
                            MemoryBytes = memory, BitsPerSecond = link, Latency = grid.Latency, Encoder = ProfileFor(policy), Channels = grid.Channels,
                        };
                        reports[policy] = simulator.Run(settings, CreatePolicy(policy), CreateWorkload(workload, 7));
                    }
                    var row = new BenchRow(link, memory, workload, reports);
                    rows.Add(row);
                    progress?.Invoke(FormatRow(row, grid.Policies));
                }
        return rows;
    }

    public static string Header(IReadOnlyList<string> policies)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"{"link",-11} {"memory",-9} {"workload",-8}");
        foreach (var p in policies) s.Append(CultureInfo.InvariantCulture, $" | {p + ": total s, down ms, MiB",-30}");
        s.Append(" | adaptive vs best (down, total, bytes)");
        return s.ToString();
    }

    public static string FormatRow(BenchRow row, IReadOnlyList<string> policies)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(c, $"{LinkModel.DescribeBandwidth(row.BitsPerSecond),-11} {ReportText.Bytes(row.MemoryBytes),-9} {row.Workload,-8}");
        foreach (var p in policies)
        {
            var r = row.Reports[p];
            s.Append(c, $" | {r.TotalTimeMs / 1000,8:0.00} {r.DowntimeMs,9:0.0} {r.WireBytes / (double)(1 << 20),10:0.0}  ");
        }
        if (row.Reports.TryGetValue("adaptive", out var a) && row.Reports.Count > 1)
        {
            double down = a.DowntimeMs / row.BestBaseline(r => r.DowntimeMs);
            double total = a.TotalTimeMs / row.BestBaseline(r => r.TotalTimeMs);
            double bytes = a.WireBytes / row.BestBaseline(r => r.WireBytes);
            s.Append(c, $" | {down:0.00}{Mark(down, DowntimeGoal)} {total:0.00}{Mark(total, TotalTimeGoal)} {bytes:0.00}{Mark(bytes, WireBytesGoal)}");
        }
        return s.ToString();
    }

    /// <summary>How many rows meet each goal, as one line.</summary>
    public static string Summary(IReadOnlyList<BenchRow> rows)
    {
        int n = 0, down = 0, total = 0, bytes = 0;
        double worstDown = 0, worstTotal = 0, worstBytes = 0;
        foreach (var row in rows)
        {
            if (!row.Reports.TryGetValue("adaptive", out var a) || row.Reports.Count < 2) continue;
            n++;
            double d = a.DowntimeMs / row.BestBaseline(r => r.DowntimeMs), t = a.TotalTimeMs / row.BestBaseline(r => r.TotalTimeMs), b = a.WireBytes / row.BestBaseline(r => r.WireBytes);
            if (d <= DowntimeGoal) down++;
            if (t <= TotalTimeGoal) total++;
            if (b <= WireBytesGoal) bytes++;
            worstDown = Math.Max(worstDown, d);
            worstTotal = Math.Max(worstTotal, t);
            worstBytes = Math.Max(worstBytes, b);
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"adaptive goals met on {n} rows: downtime <= {DowntimeGoal} x best {down}/{n} (worst {worstDown:0.00}), total time <= {TotalTimeGoal} x best {total}/{n} (worst {worstTotal:0.00}), wire bytes <= {WireBytesGoal} x best {bytes}/{n} (worst {worstBytes:0.00})");
    }

    private static string Mark(double ratio, double goal) => ratio <= goal ? "+" : "-";
}
