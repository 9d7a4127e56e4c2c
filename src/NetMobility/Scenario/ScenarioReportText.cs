using System.Globalization;
using System.Text;
using NetMobility.Migration.Reports;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;

namespace NetMobility.Scenario;

/// <summary>A scenario report as a human summary: the outcome, the memory migration, the timeline, the flows, the handover.</summary>
public static class ScenarioReportText
{
    public static string Format(ScenarioReport report)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var n = report.Network;
        s.AppendLine(c, $"live migration of vm {ScenarioTopology.VmAddress} from the home link to the foreign agent {ScenarioTopology.FaAddress} "
            + $"over a {n.WanBandwidth}, {n.WanLatencyMs:0.###} ms WAN (loss {n.WanLoss:0.####}, reordering {n.WanReordering:0.####}), {n.Encapsulation}: {report.Outcome}");
        s.AppendLine(c, $"page stream: {report.PageStreamLink}");
        if (report.Outcome == ScenarioReport.MovedUnreachable)
            s.AppendLine(c, $"unreachable: the VM runs at the destination, but {Unreachable(report)}");
        s.AppendLine();
        s.Append(ReportText.Format(report.Memory));
        s.AppendLine(c, $"digest verified at the destination: {(report.DigestVerified ? "yes" : "no")}{(report.DestinationError is { } e ? $" ({e})" : "")}");
        if (report.DeviceState is { } d)
            s.AppendLine(c, $"device state at the destination: NIC {d.Mac}, {d.HomeAddress}/{d.PrefixLength}, gateway {d.Gateway}");
        s.AppendLine();

        var t = report.Timeline;
        s.Append(c, $"timeline (ms): migration starts {t.MigrationStartMs:0.0}");
        if (t.PausedMs is { } paused) s.Append(c, $", VM paused {paused:0.0}");
        if (t.ReleasedMs is { } released) s.Append(c, $", released to the destination {released:0.0}");
        if (t.RolledBackMs is { } back) s.Append(c, $", rolled back {back:0.0}");
        else if (t.ResumedMs is { } resumed) s.Append(c, $", resumed at the destination {resumed:0.0}");
        if (t.VmPausedMs is { } down) s.Append(c, $" (the VM did not run for {down:0.0} ms)");
        s.AppendLine(c, $", flows stop {t.FlowsStoppedMs:0.0}, end {t.EndMs:0.0}");

        s.AppendLine(c, $"flows of {n.PacketsPerSecond:0.##} packets/s, {n.PayloadBytes} octets each:");
        s.AppendLine("flow        sent     delivered  missing  out of order  duplicates  corrupt  longest gap");
        foreach (var f in new[] { report.ToVm, report.ToCorrespondent })
            s.AppendLine(c, $"{$"{f.From} -> {f.To}",-11} {f.Sent,-8} {f.Delivered,-10} {f.Missing,-8} {f.OutOfOrder,-13} {f.Duplicates,-11} {f.Corrupt,-8} {f.LongestGapMs:0.0} ms{(f.CompleteAndInOrder ? "" : "  (incomplete or out of order)")}");

        var h = report.Handover;
        s.AppendLine(c, $"handover: the source host queued {h.SourceQueued} frame(s) for the paused VM ({h.SourceQueueDropped} did not fit), "
            + $"gave {h.SourceDeliveredOnResume} back to it on a rollback and sent {h.SourceForwarded} on to the home agent; "
            + $"the home agent held and released {h.HomeAgentReleased} ({h.HomeAgentDropped} dropped); the VM's port held {h.VmHeld} until registered");
        if (h.ResumeToRegisteredMs is not null || h.ResumeToFirstDeliveredMs is not null || h.ResumeToFirstReverseMs is not null)
            s.AppendLine(c, $"after the resume: registration accepted in {Ms(h.ResumeToRegisteredMs)}, first tunnelled packet at the VM in {Ms(h.ResumeToFirstDeliveredMs)}, "
                + $"first reverse-tunnelled packet at the correspondent in {Ms(h.ResumeToFirstReverseMs)}");
        s.AppendLine(report.Binding is { } b
            ? $"binding: {b.HomeAddress} -> care-of {b.CareOfAddress}, {b.Encapsulation}{(b.ReverseTunnel ? ", reverse tunnel" : "")}, lifetime {b.LifetimeSeconds} s"
            : report.Outcome == ScenarioReport.StayedHome
                ? "binding: none (the VM is at home)"
                : $"binding: none: the home agent has no care-of address for {ScenarioTopology.VmAddress}, so nothing sent to it reaches the destination");
        var ha = report.HomeAgent;
        s.AppendLine(c, $"home agent: {ha.RequestsReceived} request(s), {ha.Accepted} accepted, {ha.Denied} denied; {ha.Tunnelled} tunnelled, "
            + $"{ha.ReverseTunnelled} reverse-tunnelled ({ha.ReverseTunnelRejected} refused); held {ha.HandoverReleased} released, {ha.HandoverDropped} dropped; {ha.Expired} expired");
        var fa = report.ForeignAgent;
        s.AppendLine(c, $"foreign agent: {fa.RequestsReceived} request(s) relayed, {fa.RepliesReceived} repl(ies); {fa.Delivered} delivered to the VM, "
            + $"{fa.ReverseTunnelled} reverse-tunnelled, {fa.NotForAVisitor} not for a visitor; {fa.ArpAnswered} ARP request(s) answered");
        s.AppendLine(c, $"the correspondent's router dropped {report.IngressFiltered} packet(s) with a spoofed source (ingress filter)");
        s.AppendLine(report.KeptAddress
            ? $"the VM kept its address: the correspondent still receives its packets from {report.CorrespondentSawSource}"
            : report.CorrespondentSawSource.Length == 0
                ? "no packet from the VM reached the correspondent"
                : report.Timeline.ResumedMs is null || report.Outcome == ScenarioReport.StayedHome
                    ? $"the correspondent's last packet from the VM came from {report.CorrespondentSawSource}"
                    : $"no packet the VM sent after it resumed reached the correspondent (the last one it did receive, from before the move, came from {report.CorrespondentSawSource})");
        foreach (var capture in report.Captures) s.AppendLine(c, $"capture: {capture}");
        return s.ToString();
    }

    private static string Unreachable(ScenarioReport report)
    {
        var c = CultureInfo.InvariantCulture;
        if (report.Handover.ResumeToRegisteredMs is null)
            return string.Create(c, $"no registration was accepted in the {report.RegistrationWaitMs / 1000:0.#} s the request's lifetime allowed: "
                + $"{report.RegistrationRequests} request(s) sent, {report.ForeignAgent.RequestsReceived} relayed by the foreign agent, "
                + $"{report.HomeAgent.RequestsReceived} received by the home agent ({report.HomeAgent.Accepted} accepted)");
        return "its packets do not get through both ways with its home address";
    }

    private static string Ms(double? ms) => ms is double v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.0} ms") : "(never)";
}
