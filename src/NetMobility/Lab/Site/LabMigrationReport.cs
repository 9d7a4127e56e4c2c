namespace NetMobility.Lab.Site;

/// <summary>The whole run: its settings, every migration, what the traffic saw overall, and medians over the migrations.</summary>
public sealed record LabMigrationReport(
    string Mode, string Workload, int MemoryMb, double WanDelayMs, double WanLossPercent,
    IReadOnlyList<LabMigrationRow> Migrations, long EchoBytes, int HttpRequests, IReadOnlyList<string> Failures)
{
    public long TcpTimeouts => Migrations.Sum(m => m.TcpTimeouts);

    public double WanRoundTripMs => 2 * WanDelayMs;

    /// <summary>The migrations whose echo stall passed the guest's pause + one WAN round trip + 50 ms.</summary>
    public IEnumerable<LabMigrationRow> StallsOverBound => Migrations.Where(m => m.TrafficStallMs is { } s && s > m.StallBoundMs(WanRoundTripMs));

    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public double? MedianOf(Func<LabMigrationRow, double?> value) => Median(Migrations.Select(value).Where(v => v.HasValue).Select(v => v!.Value));
}
