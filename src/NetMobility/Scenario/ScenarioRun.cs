using NetMobility.Migration.Transports;
using NetMobility.Mobility;
using NetMobility.Net;
using NetMobility.Testbed;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>The instants of one run on the network's clock, and the report built from them.</summary>
internal sealed class ScenarioRun(ScenarioTopology net)
{
    private readonly DateTimeOffset _start = net.Sim.Now;

    public ScenarioTopology Net { get; } = net;
    public DateTimeOffset MigrationStart { get; set; }
    public DateTimeOffset? Paused { get; set; }
    public DateTimeOffset? Released { get; set; }
    public DateTimeOffset? Resumed { get; set; }
    public DateTimeOffset? RolledBack { get; set; }
    public DateTimeOffset? Registered { get; private set; }
    public DateTimeOffset FlowsStopped { get; set; }

    /// <summary>Until when the run waited for the VM's registration after a move.</summary>
    public DateTimeOffset? RegistrationDeadline { get; set; }

    private long _requestsAtResume;

    /// <summary>The VM resumed at the destination: registration requests are counted from here.</summary>
    public void ResumedAway() => _requestsAtResume = Net.VmPort.Client.RequestsSent;

    /// <summary>How many packets the VM had numbered when it resumed: the first it sent afterwards carries this number.</summary>
    public int ResumedSequence { get; set; }

    public void OnRegistrationState(RegistrationClient client)
    {
        if (client.State == RegistrationState.Registered && Registered is null) Registered = Net.Sim.Now;
    }

    public ScenarioReport Report(ScenarioOptions options, MemoryTimeline memory, PacedFlow toVm, FlowReceiver atVm,
        PacedFlow toCorrespondent, FlowReceiver atCorrespondent)
    {
        var ha = Net.HomeAgent.Counters;
        var fa = Net.ForeignAgent.Counters;
        bool moved = Released is not null;
        var firstAfterResume = unchecked((uint)((long)ResumedSequence * options.PayloadBytes));
        bool keptAddress = atCorrespondent.LastSource == VmAddress
            && (Resumed is null || FirstArrival(atCorrespondent, Resumed, firstAfterResume) is not null);
        bool reachable = Registered is not null && keptAddress && FirstArrival(atVm, Resumed, 0) is not null;
        return new ScenarioReport
        {
            Outcome = !moved ? ScenarioReport.StayedHome : reachable ? ScenarioReport.Moved : ScenarioReport.MovedUnreachable,
            PageStreamLink = $"a path of its own with the WAN bandwidth ({LinkModel.DescribeBandwidth(options.WanBitsPerSecond)}) and latency "
                + $"({options.WanLatency.TotalMilliseconds:0.###} ms), one TCP connection per channel; the WAN loss and reordering are left to TCP "
                + "below the page stream and not simulated on it",
            RegistrationRequests = moved ? Net.VmPort.Client.RequestsSent - _requestsAtResume : 0,
            RegistrationWaitMs = RegistrationDeadline - Resumed is TimeSpan wait ? wait.TotalMilliseconds : 0,
            Memory = memory.Report,
            DigestVerified = memory.DigestVerified,
            DestinationError = memory.DestinationError,
            DeviceState = memory.DeviceState is VmDeviceState s
                ? new DeviceStateReport(s.Mac.ToString(), s.HomeAddress.ToString(), s.PrefixLength, s.Gateway.ToString())
                : null,
            Network = new NetworkSetupReport(LinkModel.DescribeBandwidth(options.WanBitsPerSecond), options.WanLatency.TotalMilliseconds,
                options.WanLoss, options.WanReordering, options.Encapsulation.Name, options.PacketsPerSecond, options.PayloadBytes),
            Timeline = new TimelineReport
            {
                MigrationStartMs = Ms(MigrationStart),
                PausedMs = Ms(Paused),
                ReleasedMs = Ms(Released),
                ResumedMs = Ms(Resumed),
                RolledBackMs = Ms(RolledBack),
                VmPausedMs = Resumed - Paused is TimeSpan down ? down.TotalMilliseconds : null,
                FlowsStoppedMs = Ms(FlowsStopped),
                EndMs = Ms(Net.Sim.Now),
            },
            ToVm = Flow("cn", "vm", toVm, atVm),
            ToCorrespondent = Flow("vm", "cn", toCorrespondent, atCorrespondent),
            Handover = new HandoverReport
            {
                SourceQueued = Net.SourcePort.Queued,
                SourceQueueDropped = Net.SourcePort.QueueDropped,
                SourceDeliveredOnResume = Net.SourcePort.DeliveredOnResume,
                SourceForwarded = Net.SourcePort.Forwarded,
                HomeAgentReleased = ha.HandoverReleased,
                HomeAgentDropped = ha.HandoverDropped,
                VmHeld = Net.VmPort.Held.Held,
                ResumeToRegisteredMs = moved ? Since(Resumed, Registered) : null,
                ResumeToFirstDeliveredMs = moved ? Since(Resumed, FirstArrival(atVm, Resumed, 0)) : null,
                ResumeToFirstReverseMs = moved ? Since(Resumed, FirstArrival(atCorrespondent, Resumed, firstAfterResume)) : null,
            },
            Binding = Net.HomeAgent.Bindings.TryGetFirst(VmAddress, out var b)
                ? new BindingReport(b.HomeAddress.ToString(), b.CareOfAddress.ToString(), b.Encapsulation.Name, b.ReverseTunnel, b.Lifetime)
                : null,
            HomeAgent = new HomeAgentReport
            {
                RequestsReceived = ha.RequestsReceived, Accepted = ha.Accepted, Denied = ha.Denied, Tunnelled = ha.Tunnelled,
                ReverseTunnelled = ha.ReverseTunnelled, ReverseTunnelRejected = ha.ReverseTunnelRejected,
                HandoverReleased = ha.HandoverReleased, HandoverDropped = ha.HandoverDropped, Expired = ha.Expired,
            },
            ForeignAgent = new ForeignAgentReport
            {
                RequestsReceived = fa.RequestsReceived, RepliesReceived = fa.RepliesReceived, Delivered = fa.Delivered,
                ReverseTunnelled = fa.ReverseTunnelled, NotForAVisitor = fa.NotForAVisitor, ArpAnswered = fa.ArpAnswered,
            },
            IngressFiltered = Net.R3.Counters.Drops(NodeDrop.IngressFiltered),
            CorrespondentSawSource = atCorrespondent.Sequences.Count > 0 ? atCorrespondent.LastSource.ToString() : "",
            KeptAddress = keptAddress,
            Captures = [.. Net.CapturePaths],
        };
    }

    private double Ms(DateTimeOffset at) => (at - _start).TotalMilliseconds;

    private double? Ms(DateTimeOffset? at) => at is DateTimeOffset a ? Ms(a) : null;

    private static double? Since(DateTimeOffset? from, DateTimeOffset? to) => to - from is TimeSpan t ? t.TotalMilliseconds : null;

    /// <summary>When the first packet numbered <paramref name="firstSequence"/> or later arrived at or after <paramref name="after"/>.</summary>
    private static DateTimeOffset? FirstArrival(FlowReceiver receiver, DateTimeOffset? after, uint firstSequence)
    {
        for (int i = 0; i < receiver.Arrivals.Count; i++)
            if (receiver.Arrivals[i] >= after && receiver.Sequences[i] >= firstSequence) return receiver.Arrivals[i];
        return null;
    }

    private static FlowReport Flow(string from, string to, PacedFlow flow, FlowReceiver receiver)
    {
        var distinct = new HashSet<uint>(receiver.Sequences);
        double longestGap = 0;
        for (int i = 1; i < receiver.Arrivals.Count; i++)
            longestGap = Math.Max(longestGap, (receiver.Arrivals[i] - receiver.Arrivals[i - 1]).TotalMilliseconds);
        return new FlowReport
        {
            From = from,
            To = to,
            Sent = flow.Sent,
            Delivered = distinct.Count,
            Missing = receiver.Missing(flow.Sent, flow.PayloadBytes).Count,
            OutOfOrder = receiver.OutOfOrder,
            Duplicates = receiver.Sequences.Count - distinct.Count,
            Corrupt = receiver.CorruptPayloads,
            CompleteAndInOrder = receiver.IsCompleteAndInOrder(flow.Sent, flow.PayloadBytes),
            LongestGapMs = longestGap,
        };
    }
}
