using System.Globalization;
using System.Text;
using NetMobility.Migration.Reports;

namespace NetMobility.Cli;

/// <summary>
/// <c>netmob migrate run</c> with several sizes or runs: the median downtime of each memory size and the median
/// of each of its parts side by side, and the ratio of the largest size's downtime to the smallest's.
/// </summary>
internal sealed class DowntimeTable(string title)
{
    private readonly SortedDictionary<long, List<MigrationReport>> _bySize = [];

    public void Add(MigrationReport report)
    {
        if (!_bySize.TryGetValue(report.MemoryBytes, out var list)) _bySize[report.MemoryBytes] = list = [];
        list.Add(report);
    }

    /// <summary>One run as a progress line.</summary>
    public static string Line(MigrationReport r) => string.Create(CultureInfo.InvariantCulture,
        $"{ReportText.Bytes(r.MemoryBytes)}: total {r.TotalTimeMs:0.0} ms, {r.Rounds.Count} rounds, {r.Rounds.Where(x => x.StopAndCopy).Sum(x => x.PagesSent)} pages stopped, downtime {r.DowntimeMs:0.000} ms = {Parts(r.Switchover)}");

    private static string Parts(SwitchoverReport? w) => w is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"{w.PauseMs:0.000} + {w.DirtyLogSyncMs:0.000} + {w.LastPagesMs:0.000} + {w.DeviceStateMs:0.000} + {w.DestinationVerifyMs:0.000} + {w.ReadyMs:0.000} + {w.CommitMs:0.000} + {w.ResumeMs:0.000}");

    public string Format()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"downtime in ms, the run of median downtime for each size with its parts: {title}");
        s.AppendLine("memory      downtime   pause   log sync  last pages  device  verify   ready    commit   resume   | median total s  rounds  min-max downtime");
        double? first = null, last = null;
        foreach (var (size, runs) in _bySize)
        {
            // The parts of the median run, so that they add up to its downtime.
            var median = runs.OrderBy(r => r.DowntimeMs).ElementAt((runs.Count - 1) / 2);
            double down = median.DowntimeMs;
            first ??= down;
            last = down;
            double Part(Func<SwitchoverReport, double> part) => median.Switchover is { } w ? part(w) : 0;
            s.AppendLine(c, $"{ReportText.Bytes(size),-11} {down,-10:0.000} {Part(w => w.PauseMs),-7:0.000} {Part(w => w.DirtyLogSyncMs),-9:0.000} {Part(w => w.LastPagesMs),-11:0.000} {Part(w => w.DeviceStateMs),-7:0.000} {Part(w => w.DestinationVerifyMs),-8:0.000} {Part(w => w.ReadyMs),-8:0.000} {Part(w => w.CommitMs),-8:0.000} {Part(w => w.ResumeMs),-8:0.000} | {Median(runs, r => r.TotalTimeMs) / 1000,-14:0.00} {Median(runs, r => r.Rounds.Count),-7:0} {runs.Min(r => r.DowntimeMs):0.000}-{runs.Max(r => r.DowntimeMs):0.000}");
        }
        if (_bySize.Count > 1 && first > 0)
            s.AppendLine(c, $"largest over smallest memory, median downtime: {last / first:0.00}");
        return s.ToString();
    }

    private static double Median(List<MigrationReport> runs, Func<MigrationReport, double> value)
    {
        var sorted = runs.Select(value).Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
