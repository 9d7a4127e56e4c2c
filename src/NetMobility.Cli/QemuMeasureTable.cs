using System.Globalization;
using System.Text;
using NetMobility.Lab.Vm;

namespace NetMobility.Cli;

/// <summary>
/// The medians of <c>netmob lab vm measure</c>, one block per write rate, one row per mode, and each mode against QEMU's
/// own migration: the pause (source STOP to destination RESUME), total time and bytes as ratios to qemu's medians, and
/// the page engine's goals (pause <= 0.5x, total <= 0.7x, bytes <= 0.5x) marked met or not.
/// </summary>
internal static class QemuMeasureTable
{
    public const double PauseGoal = 0.5, TotalGoal = 0.7, BytesGoal = 0.5;

    public static string Format(IReadOnlyList<QemuSeriesEntry> entries, int memoryMb, string policy, string path)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        foreach (var byRate in entries.GroupBy(e => e.WriteMibPerSecond))
        {
            var modes = byRate.GroupBy(e => e.Result.Mode).ToDictionary(g => g.Key, g => g.Select(e => e.Result).ToList());
            s.AppendLine(c, $"medians of {modes.Values.Max(l => l.Count)} migration(s) of the {memoryMb} MiB guest over {path}, writer {byRate.Key} MiB/s (engine policy {policy}):");
            s.AppendLine("mode         paused ms  qemu downtime ms  engine downtime ms  total ms  bytes        | paused x  total x  bytes x");
            modes.TryGetValue(QemuMigrationMode.Qemu, out var anchor);
            foreach (var (mode, results) in modes)
            {
                double paused = Median(results, r => r.Paused.TotalMilliseconds), total = Median(results, r => r.Total.TotalMilliseconds), bytes = Median(results, r => r.Bytes);
                string engine = results[0].Engine is null ? "-" : Median(results, r => r.Engine!.DowntimeMs).ToString("0.0", c);
                s.Append(c, $"{mode.Name(),-12} {paused,-10:0.0} {Median(results, r => r.Qemu.DowntimeMs),-17:0} {engine,-19} {total,-9:0.0} {bytes,-12:0} |");
                if (anchor is null) { s.AppendLine(); continue; }
                double pausedX = paused / Median(anchor, r => r.Paused.TotalMilliseconds), totalX = total / Median(anchor, r => r.Total.TotalMilliseconds),
                    bytesX = bytes / Median(anchor, r => r.Bytes);
                s.AppendLine(c, $" {pausedX,-8:0.00} {totalX,-8:0.00} {bytesX:0.00}");
                if (mode == QemuMigrationMode.PageEngine)
                    s.AppendLine(c, $"  goals: pause <= {PauseGoal}x {Met(pausedX <= PauseGoal)}, total <= {TotalGoal}x {Met(totalX <= TotalGoal)}, bytes <= {BytesGoal}x {Met(bytesX <= BytesGoal)}");
            }
        }
        return s.ToString();
    }

    private static string Met(bool met) => met ? "met" : "NOT met";

    private static double Median(IReadOnlyList<QemuMigrationResult> results, Func<QemuMigrationResult, double> value)
    {
        var sorted = results.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
