using NetMobility.Migration.Transports;
using NetMobility.Net;
using NetMobility.Testbed.Tcp;
using NetMobility.Mobility.Registration;
using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>The instants of one run on the network's clock, and the report built from them.</summary>
internal sealed class ScenarioRun
{
    private readonly DateTimeOffset _start;
    private DateTimeOffset? _firstAtVm, _firstAtCn, _firstAtVmBack;

    public ScenarioRun(ScenarioTopology net)
    {
        Net = net;
        _start = net.Sim.Now;
        // The first packet from the correspondent that reaches the VM after it resumed, and the first from the VM at the correspondent.
        net.VmNode.AddHook((_, packet) =>
        {
            if (Resumed is { } r && _firstAtVm is null && packet.Source == CnAddress && Net.Sim.Now >= r) _firstAtVm = Net.Sim.Now;
            if (ResumedBack is { } rb && _firstAtVmBack is null && packet.Source == CnAddress && Net.Sim.Now >= rb) _firstAtVmBack = Net.Sim.Now;
            return false;
        });
        net.CnNode.AddHook((_, packet) =>
        {
            if (packet.Source != VmAddress) return false;
            CorrespondentSawVm = true;
            if (Resumed is { } r && _firstAtCn is null && Net.Sim.Now >= r) _firstAtCn = Net.Sim.Now;
            return false;
        });
    }

    public ScenarioTopology Net { get; }
    public DateTimeOffset MigrationStart { get; set; }
    public DateTimeOffset? Paused { get; set; }
    public DateTimeOffset? Released { get; set; }
    public DateTimeOffset? Resumed { get; set; }
    public DateTimeOffset? RolledBack { get; set; }
    public DateTimeOffset? Registered { get; private set; }
    public DateTimeOffset FlowsStopped { get; set; }

    /// <summary>The move back home: the VM paused at the foreign host, was released by it, and resumed at home.</summary>
    public DateTimeOffset? PausedBack { get; set; }
    public DateTimeOffset? ReleasedBack { get; set; }
    public DateTimeOffset? ResumedBack { get; set; }

    /// <summary>Frames the VM's port at the foreign host queued while it was paused there, which went home with it.</summary>
    public long HandedOverWithVm { get; set; }

    /// <summary>A packet from the VM's home address reached the correspondent.</summary>
    public bool CorrespondentSawVm { get; private set; }

    /// <summary>Until when the run waited for the VM's registration after a move.</summary>
    public DateTimeOffset? RegistrationDeadline { get; set; }

    private long _requestsAtStart;
    private DateTimeOffset? _registrationStarted;

    /// <summary>The destination began registering the VM: registration requests are counted from here.</summary>
    public void RegistrationStarted(DateTimeOffset at)
    {
        _registrationStarted = at;
        _requestsAtStart = Net.VmPort.Client.RequestsSent;
    }

    public void OnRegistrationState(RegistrationClient client)
    {
        if (client.State == RegistrationState.Registered && Registered is null) Registered = Net.Sim.Now;
    }

    public ScenarioReport Report(ScenarioOptions options, MemoryTimeline memory, BulkSession bulk, RequestSession requests, PingSeries ping,
        MemoryTimeline? back = null)
    {
        var ha = Net.HomeAgent.Counters;
        bool moved = Released is not null;
        var bulkReport = Session("bulk", bulk.Client, bulk.Server, [Stream("cn", "vm", bulk.Sent, bulk.Received)], null);
        var requestReport = Session("requests", requests.Client, requests.Server,
            [Stream("cn", "vm", requests.RequestsSent, requests.RequestsReceived), Stream("vm", "cn", requests.ResponsesSent, requests.ResponsesReceived)],
            Latency(requests.Latencies, options));
        bool keptAddress = CorrespondentSawVm && (Resumed is null || _firstAtCn is not null);
        bool reachable = Registered is not null && keptAddress && _firstAtVm is not null;
        return new ScenarioReport
        {
            Outcome = !moved ? ScenarioReport.StayedHome : reachable ? ScenarioReport.Moved : ScenarioReport.MovedUnreachable,
            PageStreamLink = $"testbed TCP from the source host ({SourceHostAddress}) to the destination host ({DestinationHostAddress}) across the WAN "
                + $"the sessions use ({PathModel.DescribeBandwidth(options.WanBitsPerSecond)}, {options.WanLatency.TotalMilliseconds:0.###} ms, "
                + $"{options.WanLoss:0.###%} loss), one connection per channel, on the network's clock",
            RegistrationRequests = moved ? Net.VmPort.Client.RequestsSent - _requestsAtStart : 0,
            RegistrationWaitMs = RegistrationDeadline - Resumed is TimeSpan wait ? wait.TotalMilliseconds : 0,
            Memory = memory.Report,
            DigestVerified = memory.DigestVerified,
            DestinationError = memory.DestinationError,
            DeviceState = memory.DeviceState is VmDeviceState s
                ? new DeviceStateReport(s.Mac.ToString(), s.HomeAddress.ToString(), s.PrefixLength, s.Gateway.ToString())
                : null,
            Network = new NetworkSetupReport(PathModel.DescribeBandwidth(options.WanBitsPerSecond), options.WanLatency.TotalMilliseconds,
                options.WanLoss, options.WanReordering, options.Encapsulation.Name, options.ReverseTunnel, PathModel.DescribeBandwidth(options.BulkBitsPerSecond),
                options.RequestBytes, options.ResponseBytes, options.ThinkTime.TotalMilliseconds, options.PingInterval.TotalMilliseconds,
                options.Settle.TotalMilliseconds),
            Timeline = new TimelineReport
            {
                MigrationStartMs = Ms(MigrationStart),
                PausedMs = Ms(Paused),
                RegistrationStartedMs = Ms(_registrationStarted),
                ReleasedMs = Ms(Released),
                ResumedMs = Ms(Resumed),
                RolledBackMs = Ms(RolledBack),
                VmPausedMs = Resumed - Paused is TimeSpan down ? down.TotalMilliseconds : null,
                FlowsStoppedMs = Ms(FlowsStopped),
                EndMs = Ms(Net.Sim.Now),
            },
            Bulk = bulkReport,
            Requests = requestReport,
            Ping = new PingReport(ping.Sent, ping.Replies.Count, Latency(ping.Replies, options)),
            Handover = new HandoverReport
            {
                SourceQueued = Net.SourcePort.Queued,
                SourceQueueDropped = Net.SourcePort.QueueDropped,
                SourceDeliveredOnResume = Net.SourcePort.DeliveredOnResume,
                SourceForwarded = Net.SourcePort.Forwarded,
                HomeAgentReleased = ha.HandoverReleased,
                HomeAgentDropped = ha.HandoverDropped,
                VmHeld = Net.VmPort.Held.Held,
                DestinationHeld = Net.VmPort.HeldForVm.Held,
                ResumeToRegisteredMs = moved ? Since(Resumed, Registered) : null,
                ResumeToFirstDeliveredMs = moved ? Since(Resumed, _firstAtVm) : null,
                ResumeToFirstReverseMs = moved ? Since(Resumed, _firstAtCn) : null,
            },
            Binding = Net.HomeAgent.Bindings.TryGetFirst(VmAddress, out var b)
                ? new BindingReport(b.HomeAddress.ToString(), b.CareOfAddress.ToString(), b.Encapsulation.Name, b.ReverseTunnel, b.Lifetime)
                : null,
            HomeAgent = HomeAgentReport.Of(ha),
            ForeignAgent = ForeignAgentReport.Of(Net.ForeignAgent.Counters),
            IngressFiltered = Net.R3.Counters.Drops(NodeDrop.IngressFiltered),
            CorrespondentSawSource = CorrespondentSawVm ? VmAddress.ToString() : "",
            KeptAddress = keptAddress,
            Captures = [.. Net.CapturePaths],
            PageStream = [.. memory.Connections.Select(c => Endpoint("src", c))],
            Back = back is null ? null : new BackReport
            {
                Memory = back.Report,
                DigestVerified = back.DigestVerified,
                PausedMs = Ms(PausedBack),
                ResumedMs = Ms(ResumedBack),
                VmPausedMs = Since(PausedBack, ResumedBack),
                ResumeToFirstDeliveredMs = Since(ResumedBack, _firstAtVmBack),
                HandedOverWithVm = HandedOverWithVm,
                Deregistered = !Net.HomeAgent.Bindings.TryGetFirst(VmAddress, out _),
            },
        };
    }

    private double Ms(DateTimeOffset at) => (at - _start).TotalMilliseconds;

    private double? Ms(DateTimeOffset? at) => at is DateTimeOffset a ? Ms(a) : null;

    private static double? Since(DateTimeOffset? from, DateTimeOffset? to) => to - from is TimeSpan t ? t.TotalMilliseconds : null;

    private static StreamReport Stream(string from, string to, PatternStream sent, PatternStream received)
    {
        string sentDigest = sent.Sha256(), receivedDigest = received.Sha256();
        return new StreamReport
        {
            From = from,
            To = to,
            BytesSent = sent.Length,
            BytesDelivered = received.Length,
            Mismatches = received.Mismatches,
            Sha256Sent = sentDigest,
            Sha256Delivered = receivedDigest,
            Whole = sent.Length > 0 && received.Length == sent.Length && received.Mismatches == 0 && sentDigest == receivedDigest,
        };
    }

    private static SessionReport Session(string name, TcpConnection? client, TcpConnection? server, List<StreamReport> streams, LatencyReport? latency)
    {
        var clientReport = Endpoint("cn", client);
        var serverReport = Endpoint("vm", server);
        bool ended = clientReport.CloseReason == nameof(TcpCloseReason.None) && serverReport.CloseReason == nameof(TcpCloseReason.None);
        return new SessionReport
        {
            Name = name,
            Streams = streams,
            Client = clientReport,
            Server = serverReport,
            Whole = ended && streams.TrueForAll(x => x.Whole),
            Latency = latency,
        };
    }

    private static EndpointReport Endpoint(string host, TcpConnection? connection) => connection is null
        ? new EndpointReport { Host = host, State = "never connected", CloseReason = "never connected" }
        : new EndpointReport
        {
            Host = host,
            SegmentsSent = connection.Counters.SegmentsSent,
            Retransmissions = connection.Counters.SegmentsRetransmitted,
            RtosFired = connection.Counters.RtosFired,
            FastRetransmits = connection.Counters.FastRetransmits,
            DupAcksReceived = connection.Counters.DupAcksReceived,
            LongestStallMs = connection.CurrentLongestStall().TotalMilliseconds,
            State = connection.State.ToString(),
            CloseReason = connection.CloseReason.ToString(),
        };

    /// <summary>Samples by the phase they started in: before the pause, during the move (up to the settle time after the resume), after.</summary>
    private LatencyReport Latency(IReadOnlyList<LatencySample> samples, ScenarioOptions options)
    {
        var before = new List<double>();
        var during = new List<double>();
        var after = new List<double>();
        var settled = Resumed + options.Settle;
        foreach (var sample in samples)
        {
            // A sample on the VM's clock would stand still while it is paused; these are the correspondent's, on the network's.
            var list = Paused is not { } p || sample.Start + sample.Latency < p ? before
                : settled is { } end && sample.Start > end ? after : during;
            list.Add(sample.Latency.TotalMilliseconds);
        }
        return new LatencyReport(Phase(before), Phase(during), Phase(after));
    }

    private static PhaseLatency Phase(List<double> ms)
    {
        if (ms.Count == 0) return new PhaseLatency(0, null, null);
        ms.Sort();
        double median = ms.Count % 2 == 1 ? ms[ms.Count / 2] : (ms[ms.Count / 2 - 1] + ms[ms.Count / 2]) / 2;
        return new PhaseLatency(ms.Count, median, ms[^1]);
    }
}
