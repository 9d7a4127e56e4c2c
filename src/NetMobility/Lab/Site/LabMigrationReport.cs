namespace NetMobility.Lab.Site;

/// <summary>The whole run: its settings, every migration, what the traffic saw overall, and medians over the migrations.</summary>
public sealed record LabMigrationReport(
    string Mode, string Workload, int MemoryMb, double WanDelayMs, double WanLossPercent,
    IReadOnlyList<LabMigrationRow> Migrations, long EchoBytes, int HttpRequests, IReadOnlyList<string> Failures)
{
    public long TcpTimeouts => Migrations.Sum(m => m.TcpTimeouts);

    /// <summary>The hosts' migration link's rate in Mbit/s each way; null when unshaped.</summary>
    public double? MigrationMbit { get; init; }

    /// <summary>The page engine's ends ran as <c>netmob migrate send/receive</c> processes (not inside the lab's process).</summary>
    public bool EngineProcesses { get; init; }

    /// <summary>What QEMU's own migration used of its features in the qemu mode ("plain", "multifd zstd x2, xbzrle").</summary>
    public string QemuFeatures { get; init; } = "plain";

    /// <summary>The control: the guest paused and resumed in place, in the same QEMU process, after the migrations.</summary>
    public IReadOnlyList<LabPauseRow> InPlace { get; init; } = [];

    public double WanRoundTripMs => 2 * WanDelayMs;

    /// <summary>The migrations whose echo stall passed the guest's pause + one WAN round trip + 50 ms.</summary>
    public IEnumerable<LabMigrationRow> StallsOverBound => Migrations.Where(m => m.TrafficStallMs is { } s && s > m.StallBoundMs(WanRoundTripMs));

    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public double? MedianOf(Func<LabMigrationRow, double?> value) => MedianOf(Migrations, value);

    /// <summary>The median of <paramref name="value"/> over <paramref name="rows"/>, leaving out the rows where it was not seen.</summary>
    public static double? MedianOf(IEnumerable<LabMigrationRow> rows, Func<LabMigrationRow, double?> value) =>
        Median(rows.Select(value).Where(v => v.HasValue).Select(v => v!.Value));

    /// <summary>The median of <paramref name="value"/> over the pauses in place, leaving out those where it was not seen.</summary>
    public double? InPlaceMedian(Func<LabPauseRow, double?> value) => Median(InPlace.Select(value).Where(v => v.HasValue).Select(v => v!.Value));

    /// <summary>The migrations of each mode, in the order the modes first ran.</summary>
    public IEnumerable<IGrouping<string, LabMigrationRow>> ByMode => Migrations.GroupBy(m => m.Mode);

    /// <summary>
    /// <paramref name="mode"/>'s median of <paramref name="value"/> over QEMU's own migration's (mode qemu) in the same run;
    /// null when either was not run or not seen.
    /// </summary>
    public double? RatioToQemu(string mode, Func<LabMigrationRow, double?> value)
    {
        double? of = MedianOf(Migrations.Where(m => m.Mode == mode), value);
        double? qemu = MedianOf(Migrations.Where(m => m.Mode == "qemu"), value);
        return of is { } a && qemu is { } b && b > 0 ? a / b : null;
    }
}
