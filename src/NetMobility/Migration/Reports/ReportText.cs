using System.Globalization;
using System.Text;

namespace NetMobility.Migration.Reports;

/// <summary>A migration report as a human summary: a header line, a table of rounds, the totals.</summary>
public static class ReportText
{
    public static string Format(MigrationReport report)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"migration of {Bytes(report.MemoryBytes)} ({report.Workload}) over {report.Transport}, policy {report.Policy}, {report.Channels} channel(s): {report.Outcome.Describe()}");
        if (report.Error is { } error) s.AppendLine(c, $"error: {error}");
        s.AppendLine("round  pages      wire        dirty     dirty/s    time ms  throttle  encodings");
        foreach (var r in report.Rounds)
        {
            string encodings = string.Join(' ', r.Encodings.Where(e => e.Value > 0).Select(e => $"{e.Key}:{e.Value}"));
            s.AppendLine(c, $"{(r.StopAndCopy ? $"{r.Round}*" : r.Round.ToString(c)),-6} {r.PagesSent,-10} {Bytes(r.WireBytes),-11} {r.DirtyPages,-9} {r.DirtyRate,-10:0} {r.DurationMs,-8:0.0} {r.Throttle,-9:0.00} {encodings}");
        }
        s.AppendLine(c, $"total time {report.TotalTimeMs:0.0} ms, downtime {report.DowntimeMs:0.000} ms, wire {Bytes(report.WireBytes)} for {Bytes(report.LogicalBytes)} of pages (ratio {report.CompressionRatio:0.00}), encoder CPU {report.CpuTimeMs:0.0} ms");
        if (report.Switchover is { } w)
            s.AppendLine(c, $"downtime parts ms: pause {w.PauseMs:0.000}, {(w.DirtyScanMs > 0 ? $"dirty scan {w.DirtyScanMs.ToString("0.000", c)}, " : "")}dirty-log sync {w.DirtyLogSyncMs:0.000}, last pages {w.LastPagesMs:0.000}, device state {w.DeviceStateMs:0.000}, destination verify {w.DestinationVerifyMs:0.000}, ready {w.ReadyMs:0.000}, commit {w.CommitMs:0.000}, resume {(w.ResumeConfirmed ? w.ResumeMs.ToString("0.000", c) : "not confirmed")}");
        if (report.Resumes > 0) s.AppendLine(c, $"resumed {report.Resumes} time(s), {report.ResentPages} page(s) sent again");
        s.AppendLine(c, $"stop: {report.StopReason}{(report.Digest.Length > 0 ? $"; digest {report.Digest}" : "")}");
        return s.ToString();
    }

    public static string Format(ReceiveReport report)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"received on {report.Listen}: {report.Outcome.Describe()}{(report.Error is { } e ? $": {e}" : "")}");
        if (report.Committed)
        {
            s.AppendLine(c, $"memory {Bytes(report.MemoryBytes)} over {report.Connections} connection(s), digest {report.Digest}, device state {report.DeviceStateBytes} B");
            s.AppendLine(c, $"verify {report.VerifyMs:0.000} ms, resume {report.ResumeMs:0.000} ms{(report.Output is { } o ? $", image written to {o}" : "")}");
        }
        return s.ToString();
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.00} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => $"{bytes} B",
    };
}
