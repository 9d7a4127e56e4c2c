using System.Globalization;
using System.Text;

namespace NetMobility.Scenario;

/// <summary>An evacuation report as a human summary: the outcome, the time to empty the host, the worst downtime, then a line per VM.</summary>
public static class EvacuationReportText
{
    public static string Format(EvacuationReport report)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var n = report.Network;
        s.AppendLine(c, $"evacuation of {report.VmCount} VMs ({report.MemoryBytesPerVm >> 20} MiB {report.Workload} each, {report.Policy}, "
            + $"{report.ChannelsPerVm} connection(s) of {report.WindowBytesPerConnection >> 10} KiB in flight per VM) from the home link to the foreign agent "
            + $"{ScenarioTopology.FaAddress} over a {n.WanBandwidth}, {n.WanLatencyMs:0.###} ms WAN (loss {n.WanLoss:0.####}), {n.Encapsulation}: {report.Outcome}");
        s.AppendLine(c, $"time to empty the host: {Ms(report.TimeToEmptyMs)} (migrations start at {report.MigrationStartMs:0.0} ms, virtual time)");
        s.AppendLine(c, $"downtime: worst {Ms(report.WorstDowntimeMs)}, median {Ms(report.MedianDowntimeMs)}; "
            + $"slowest first packet after resume {Ms(report.WorstResumeToFirstDeliveredMs)}");
        s.AppendLine(c, $"home agent: {report.Bindings} binding(s), {report.BindingsToCareOf} to {ScenarioTopology.FaAddress}; "
            + $"{report.HomeAgent.RequestsReceived} request(s), {report.HomeAgent.Accepted} accepted, {report.HomeAgent.Denied} denied; "
            + $"held and released {report.HomeAgent.HandoverReleased}, dropped {report.HomeAgent.HandoverDropped}");
        s.AppendLine(c, $"page stream TCP: {report.PageStreamConnections} connection(s), {report.PageStreamSegments} segments, "
            + $"{report.PageStreamRetransmissions} retransmitted, {report.PageStreamRtos} RTO(s)");
        s.AppendLine();
        s.AppendLine("vm  address      outcome                paused(ms)  down(ms)  total(ms)  reg(ms)  first(ms)  rounds  digest  requests  session");
        foreach (var v in report.Vms)
        {
            s.AppendLine(c, $"{v.Index,-3} {v.Address,-12} {Short(v.Outcome),-22} {Num(v.PausedMs),10} {Num(v.DowntimeMs),9} {Num(v.TotalMs),10} "
                + $"{Num(v.ResumeToRegisteredMs),8} {Num(v.ResumeToFirstDeliveredMs),10} {v.Rounds,7} {(v.DigestVerified ? "yes" : "no"),7} "
                + $"{v.RequestsCompleted,9} {(v.SessionWhole ? "whole" : "NOT whole")}");
            if (v.DestinationError is { } e) s.AppendLine(c, $"    destination refused: {e}");
        }
        return s.ToString();
    }

    private static string Short(string outcome) => outcome switch
    {
        ScenarioReport.Moved => "moved, reachable",
        ScenarioReport.MovedUnreachable => "moved, UNREACHABLE",
        _ => outcome,
    };

    private static string Ms(double? ms) => ms is double v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";

    private static string Num(double? ms) => ms is double v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
