using NetMobility.Migration.Reports;

namespace NetMobility.Migration.Bench;

/// <summary>One row of the bench: one workload, memory size and link, every policy.</summary>
public sealed record BenchRow(double BitsPerSecond, long MemoryBytes, string Workload, IReadOnlyDictionary<string, MigrationReport> Reports)
{
    /// <summary>The same row on the real engine in virtual time (<see cref="EngineBench"/>), when the bench was asked for it.</summary>
    public BenchRow? Engine { get; init; }

    /// <summary>How long the real engine took (wall clock) to run the row's migrations.</summary>
    public TimeSpan EngineTime { get; init; }

    /// <summary>The best (least) value among the completed baselines of the row (every policy but the adaptive one).</summary>
    public double BestBaseline(Func<MigrationReport, double> measure) =>
        Reports.Where(r => r.Key != MigrationBench.Adaptive && r.Value.Completed).Select(r => measure(r.Value)).DefaultIfEmpty(double.NaN).Min();

    /// <summary>The adaptive policy's value over the best baseline's (NaN without both).</summary>
    public double Ratio(Func<MigrationReport, double> measure) =>
        Reports.TryGetValue(MigrationBench.Adaptive, out var a) && a.Completed ? measure(a) / BestBaseline(measure) : double.NaN;
}
