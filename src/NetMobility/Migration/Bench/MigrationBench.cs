using System.Globalization;
using System.Text;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Bench;

/// <summary>
/// Runs the bench grid in virtual time with <see cref="MigrationSimulator"/>: the seed image of the largest
/// size is built once (realistic content), measured once by the real encoders, and every smaller size uses
/// its first pages. The first table gives each baseline the encoder its real system ships (Xen: raw; QEMU:
/// zero pages, XBZRLE, multifd zstd or zlib), the second runs every stop rule on the adaptive encoder.
/// </summary>
public static class MigrationBench
{
    public const string Adaptive = "adaptive";

    /// <summary>Every policy of the first table: the fair baselines and the adaptive policy.</summary>
    public static readonly IReadOnlyList<string> PolicyNames =
    [
        "xen-legacy", "xen-v2", "qemu", "qemu-ac", "qemu-xbzrle", "qemu-xbzrle-ac", "qemu-zstd", "qemu-zstd-ac", "qemu-zlib", "qemu-zlib-ac", Adaptive,
    ];

    /// <summary>The stop rules alone (for the equal-encoder table).</summary>
    public static readonly IReadOnlyList<string> StopRuleNames = ["xen-legacy", "xen-v2", "qemu", "qemu-ac", Adaptive];

    public static readonly IReadOnlyList<string> WorkloadNames = ["idle", "web", "uniform", "scan"];

    /// <summary>The goals of the adaptive policy against the best baseline on each row.</summary>
    public const double DowntimeGoal = 0.5, TotalTimeGoal = 0.7, WireBytesGoal = 0.7;

    public static IStopPolicy CreatePolicy(string name) => name switch
    {
        "xen-legacy" => new XenLegacyPolicy(),
        "xen-v2" => new XenStreamV2Policy(),
        Adaptive => new AdaptivePolicy(),
        _ when PolicyNames.Contains(name) && name.StartsWith("qemu", StringComparison.Ordinal) =>
            new QemuPolicy(autoConverge: name.EndsWith("-ac", StringComparison.Ordinal)) { Name = name },
        _ => throw new ArgumentException($"unknown policy '{name}' (expected {string.Join(", ", PolicyNames)})", nameof(name)),
    };

    /// <summary>The encoder the policy's system ships with.</summary>
    public static EncoderProfile ProfileFor(string policy) => policy switch
    {
        "xen-legacy" or "xen-v2" => EncoderProfile.Raw,
        "qemu" or "qemu-ac" => EncoderProfile.ZeroDetect,
        "qemu-xbzrle" or "qemu-xbzrle-ac" => EncoderProfile.Xbzrle,
        "qemu-zstd" or "qemu-zstd-ac" => EncoderProfile.MultifdZstd,
        "qemu-zlib" or "qemu-zlib-ac" => EncoderProfile.MultifdZlib,
        _ => EncoderProfile.Adaptive,
    };

    /// <summary>The real engine's page encoder for a policy's system; the adaptive one is told the link's speed.</summary>
    public static PageEncoderOptions EncoderOptions(string policy, double bitsPerSecond, int channels) => EncoderOptions(ProfileFor(policy), bitsPerSecond, channels);

    /// <summary>The real engine's page encoder for an encoder profile; the adaptive one is told the link's speed.</summary>
    public static PageEncoderOptions EncoderOptions(EncoderProfile profile, double bitsPerSecond, int channels) => profile switch
    {
        EncoderProfile.Raw => new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw] },
        EncoderProfile.ZeroDetect => PageEncoderOptions.Uncompressed,
        EncoderProfile.Xbzrle => new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta] },
        EncoderProfile.MultifdZstd => new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Zstd], LinkBytesPerSecond = 0 },
        EncoderProfile.MultifdZlib => new PageEncoderOptions
        {
            AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Deflate], LinkBytesPerSecond = 0, DeflateLevel = EncodingCalibration.ZlibLevel,
        },
        _ => new PageEncoderOptions { LinkBytesPerSecond = (long)(bitsPerSecond / 8), EncoderCores = channels },
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

    /// <summary>The first table: every policy with its system's encoder; with <paramref name="engine"/>, each row on the real engine too.</summary>
    public static List<BenchRow> Run(BenchGrid grid, EncodingCalibration calibration, Action<string>? progress = null, bool engine = false) =>
        Run(grid, grid.Policies, ProfileFor, calibration, progress, engine);

    /// <summary>The second table: every stop rule on the adaptive encoder; with <paramref name="engine"/>, each row on the real engine too.</summary>
    public static List<BenchRow> RunSameEncoder(BenchGrid grid, EncodingCalibration calibration, Action<string>? progress = null, bool engine = false) =>
        Run(grid, grid.SameEncoderPolicies, _ => EncoderProfile.Adaptive, calibration, progress, engine);

    private static List<BenchRow> Run(BenchGrid grid, IReadOnlyList<string> policies, Func<string, EncoderProfile> encoder,
        EncodingCalibration calibration, Action<string>? progress, bool engine)
    {
        var simulator = new MigrationSimulator(calibration);
        var rows = new List<BenchRow>();
        foreach (double link in grid.Links)
            foreach (long memory in grid.MemoryBytes)
                foreach (string workload in grid.Workloads)
                {
                    var reports = new Dictionary<string, MigrationReport>();
                    var engineReports = new Dictionary<string, MigrationReport>();
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var engineTime = TimeSpan.Zero;
                    foreach (string policy in policies)
                    {
                        var settings = new SimulationSettings
                        {
                            MemoryBytes = memory, BitsPerSecond = link, Latency = grid.Latency, Encoder = encoder(policy), Channels = grid.Channels,
                            FixedSwitchover = grid.FixedSwitchover,
                            BandwidthCap = policy.StartsWith("qemu", StringComparison.Ordinal) ? grid.QemuBandwidthCap : 0,
                        };
                        reports[policy] = simulator.Run(settings, CreatePolicy(policy), CreateWorkload(workload, 7));
                        if (!engine) continue;
                        var started = clock.Elapsed;
                        engineReports[policy] = EngineBench.RunAsync(settings, CreatePolicy(policy), CreateWorkload(workload, 7)).GetAwaiter().GetResult();
                        engineTime += clock.Elapsed - started;
                    }
                    var row = new BenchRow(link, memory, workload, reports)
                    {
                        Engine = engine ? new BenchRow(link, memory, workload, engineReports) : null, EngineTime = engineTime,
                    };
                    rows.Add(row);
                    progress?.Invoke(FormatRow(row, policies));
                    if (row.Engine is { } real) progress?.Invoke(FormatRow(real, policies, string.Create(CultureInfo.InvariantCulture, $"  real engine ({engineTime.TotalSeconds:0.0} s)")));
                }
        return rows;
    }

    private const int CellWidth = 19;

    /// <summary>Two header lines: the policies, then what each cell holds.</summary>
    public static string Header(IReadOnlyList<string> policies)
    {
        var c = CultureInfo.InvariantCulture;
        var names = new StringBuilder();
        var units = new StringBuilder();
        names.Append(c, $"{"",-30}");
        units.Append(c, $"{"link",-11} {"memory",-9} {"workload",-8}");
        foreach (var p in policies)
        {
            names.Append(c, $" | {p,-CellWidth}");
            units.Append(c, $" | {"s",5} {"down ms",7} {"MiB",5}");
        }
        names.Append(" | adaptive / best baseline");
        units.Append(" | down  total bytes");
        return names + Environment.NewLine + units;
    }

    /// <summary>One row of the table; <paramref name="label"/> in place of its link, memory and workload (the real engine's line under a row).</summary>
    public static string FormatRow(BenchRow row, IReadOnlyList<string> policies, string? label = null)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        if (label is not null) s.Append(c, $"{label,-30}");
        else s.Append(c, $"{PathModel.DescribeBandwidth(row.BitsPerSecond),-11} {ReportText.Bytes(row.MemoryBytes),-9} {row.Workload,-8}");
        foreach (var p in policies)
        {
            var r = row.Reports[p];
            if (r.Completed) s.Append(c, $" | {Short(r.TotalTimeMs / 1000),5} {Short(r.DowntimeMs),7} {Short(r.WireBytes / (double)(1 << 20)),5}");
            else s.Append(c, $" | {"no convergence",-CellWidth}");
        }
        if (row.Reports.ContainsKey(Adaptive) && row.Reports.Count > 1)
        {
            double down = row.Ratio(r => r.DowntimeMs), total = row.Ratio(r => r.TotalTimeMs), bytes = row.Ratio(r => r.WireBytes);
            s.Append(c, $" | {down:0.00}{Mark(down, DowntimeGoal)} {total:0.00}{Mark(total, TotalTimeGoal)} {bytes:0.00}{Mark(bytes, WireBytesGoal)}");
        }
        return s.ToString();
    }

    /// <summary>A number in at most 5 or 7 characters: 3 significant digits, no more decimals than fit.</summary>
    private static string Short(double value) => value switch
    {
        >= 10_000 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };

    /// <summary>How many rows meet each goal, as one line.</summary>
    public static string Summary(IReadOnlyList<BenchRow> rows)
    {
        int n = 0, down = 0, total = 0, bytes = 0;
        double worstDown = 0, worstTotal = 0, worstBytes = 0;
        foreach (var row in rows)
        {
            double d = row.Ratio(r => r.DowntimeMs), t = row.Ratio(r => r.TotalTimeMs), b = row.Ratio(r => r.WireBytes);
            if (double.IsNaN(d)) continue;
            n++;
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
