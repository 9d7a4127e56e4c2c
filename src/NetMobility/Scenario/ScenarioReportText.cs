using System.Globalization;
using System.Text;
using NetMobility.Migration.Reports;

namespace NetMobility.Scenario;

/// <summary>A scenario report as a human summary: the outcome, the memory migration, the timeline, the TCP sessions, the handover.</summary>
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
        if (report.PageStream.Count > 0)
            s.AppendLine(c, $"page stream TCP: {report.PageStream.Count} connection(s), {report.PageStream.Sum(e => e.SegmentsSent)} segments, "
                + $"{report.PageStream.Sum(e => e.Retransmissions)} retransmitted, {report.PageStream.Sum(e => e.RtosFired)} RTO(s), "
                + $"longest stall {report.PageStream.Max(e => e.LongestStallMs):0.0} ms");
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
        if (t.RegistrationStartedMs is { } registering) s.Append(c, $", registration sent {registering:0.0}");
        if (t.ReleasedMs is { } released) s.Append(c, $", released to the destination {released:0.0}");
        if (t.RolledBackMs is { } back) s.Append(c, $", rolled back {back:0.0}");
        else if (t.ResumedMs is { } resumed) s.Append(c, $", resumed at the destination {resumed:0.0}");
        if (t.VmPausedMs is { } down) s.Append(c, $" (the VM did not run for {down:0.0} ms)");
        s.AppendLine(c, $", flows stop {t.FlowsStoppedMs:0.0}, end {t.EndMs:0.0}");

        s.AppendLine(c, $"TCP sessions from the correspondent to the VM: a bulk stream written at {n.BulkRate}, and requests of {n.RequestBytes} octets "
            + $"answered with {n.ResponseBytes} after {n.ThinkMs:0.#} ms of thinking; pings every {n.PingIntervalMs:0.#} ms");
        s.AppendLine("stream           sent        delivered   whole (once, in order, SHA-256 equal)");
        foreach (var session in new[] { report.Bulk, report.Requests })
            foreach (var x in session.Streams)
                s.AppendLine(c, $"{$"{session.Name} {x.From}->{x.To}",-16} {x.BytesSent,-11} {x.BytesDelivered,-11} {(x.Whole ? "yes" : $"NO ({x.Mismatches} octet(s) wrong)")}");
        s.AppendLine("endpoint         segments  retransmitted  RTOs  fast retransmits  longest stall  end");
        foreach (var session in new[] { report.Bulk, report.Requests })
            foreach (var end in new[] { session.Client, session.Server })
                s.AppendLine(c, $"{$"{session.Name} {end.Host}",-16} {end.SegmentsSent,-9} {end.Retransmissions,-14} {end.RtosFired,-5} {end.FastRetransmits,-17} {$"{end.LongestStallMs:0.0} ms",-14} {end.State}{(end.CloseReason is "None" ? "" : $" ({end.CloseReason})")}");
        s.AppendLine(c, $"latency (ms)     before: n, median, max     during the move             after");
        if (report.Requests.Latency is { } l) s.AppendLine(c, $"{"requests",-16} {Phase(l.Before),-26} {Phase(l.During),-27} {Phase(l.After)}");
        var p = report.Ping.Rtt;
        s.AppendLine(c, $"{$"ping {report.Ping.Replied}/{report.Ping.Sent}",-16} {Phase(p.Before),-26} {Phase(p.During),-27} {Phase(p.After)}");

        var h = report.Handover;
        s.AppendLine(c, $"handover: the source host queued {h.SourceQueued} frame(s) for the paused VM ({h.SourceQueueDropped} did not fit), "
            + $"gave {h.SourceDeliveredOnResume} back to it on a rollback and sent {h.SourceForwarded} on to the home agent; "
            + $"the home agent held and released {h.HomeAgentReleased} ({h.HomeAgentDropped} dropped); the destination held {h.DestinationHeld} for the VM until it resumed; "
            + $"the VM's port held {h.VmHeld} of its own until registered");
        if (h.ResumeToRegisteredMs is not null || h.ResumeToFirstDeliveredMs is not null || h.ResumeToFirstReverseMs is not null)
            s.AppendLine(c, $"handover: registration accepted {Relative(h.ResumeToRegisteredMs)}; first correspondent packet at the VM {Ms(h.ResumeToFirstDeliveredMs)} after the resume, "
                + $"first packet of the VM's at the correspondent {Ms(h.ResumeToFirstReverseMs)} after it");
        s.AppendLine(report.Binding is { } b
            ? $"binding: {b.HomeAddress} -> care-of {b.CareOfAddress}, {b.Encapsulation}{(b.ReverseTunnel ? ", reverse tunnel" : "")}, lifetime {b.LifetimeSeconds} s"
            : report.Outcome == ScenarioReport.StayedHome || report.Back is { Deregistered: true }
                ? "binding: none (the VM is at home)"
                : $"binding: none: the home agent has no care-of address for {ScenarioTopology.VmAddress}, so nothing sent to it reaches the destination");
        var ha = report.HomeAgent;
        s.AppendLine(c, $"home agent: {ha.RequestsReceived} request(s), {ha.Accepted} accepted, {ha.Denied} denied; {ha.Tunnelled} tunnelled, "
            + $"{ha.ReverseTunnelled} reverse-tunnelled ({ha.ReverseTunnelRejected} refused); held {ha.HandoverReleased} released, {ha.HandoverDropped} dropped; {ha.Cancelled} cancelled, {ha.Expired} expired");
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
        if (report.Back is { } home)
            s.AppendLine(c, $"back home: migration {home.Memory.Outcome.ToString().ToLowerInvariant()} ({home.Memory.TotalTimeMs:0.0} ms, digest verified: {(home.DigestVerified ? "yes" : "no")}), "
                + $"VM paused at {Ms(home.PausedMs)}, resumed at home at {Ms(home.ResumedMs)} (did not run for {Ms(home.VmPausedMs)}); "
                + $"first correspondent packet at the VM {Ms(home.ResumeToFirstDeliveredMs)} after the resume; {home.HandedOverWithVm} frame(s) queued at the foreign host went home with it; "
                + $"binding {(home.Deregistered ? "deregistered" : "still held")}");
        foreach (var capture in report.Captures) s.AppendLine(c, $"capture: {capture}");
        if (report.TimelineSvg is string svg) s.AppendLine(c, $"timeline: {svg}");
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

    private static string Phase(PhaseLatency p) =>
        p.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{p.Count}, {p.MedianMs:0.0}, {p.MaxMs:0.0}");

    private static string Relative(double? ms) => ms switch
    {
        null => "(never)",
        < 0 => string.Create(CultureInfo.InvariantCulture, $"{-ms:0.0} ms before the resume"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms:0.0} ms after the resume"),
    };

    private static string Ms(double? ms) => ms is double v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.0} ms") : "(never)";
}
