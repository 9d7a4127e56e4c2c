using NetMobility.Migration.Transports;
using NetMobility.Mobility;
using NetMobility.Net;
using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>
/// One live migration end to end: a VM on its home link talks with a correspondent on another site, both ways,
/// while its memory is migrated to a host on a foreign link across the WAN; it resumes there and keeps its address
/// and its flows, through Mobile IPv4 with reverse tunnelling.
/// <para>
/// The two halves are coupled through the migration's timeline. The memory half runs first, for real (pre-copy
/// engine, page codecs, digest, device state) on its own virtual clock over a link with the WAN's bandwidth and
/// latency (<see cref="MemoryPhase"/>); the network half then replays that timeline on the network's virtual clock
/// (<see cref="ScenarioTopology"/>), with the flows running throughout. The page stream itself is not carried on the
/// simulated WAN, so it does not compete with the flows there.
/// </para>
/// <para>
/// The replay, as DESIGN.md's switchover has it: during pre-copy the VM runs at home. At stop-and-copy it pauses and
/// the source host queues what arrives for it. When the destination's ready reaches the source (the VM is now the
/// destination's), the home agent begins the handover, holding the VM's packets, and the source hands it its queue.
/// One WAN latency later the commit reaches the destination, which resumes the VM on the foreign link with the
/// hardware address from the device state; the VM is announced there, its hypervisor registers it through the
/// foreign agent, and the home agent installs the binding, announces itself for the VM with gratuitous ARP and
/// releases the held packets into the tunnel. If the destination refuses the image instead, the VM resumes at the
/// source with its queue, and the home agent never hears of it.
/// </para>
/// </summary>
public sealed class LiveMigrationScenario
{
    // Ports no Wireshark dissector claims (6001 would be taken for X11 and reassembled), so the captures decode the flows as data.
    private const ushort ToVmPort = 5001, ToCorrespondentPort = 5002, CorrespondentSourcePort = 40000, VmSourcePort = 40001;

    public LiveMigrationScenario(ScenarioOptions options)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        Options = options;
    }

    public ScenarioOptions Options { get; }

    public async Task<ScenarioReport> RunAsync(CancellationToken cancellationToken = default)
    {
        using var net = new ScenarioTopology(Options);
        var sim = net.Sim;
        var run = new Run(net);
        var atVm = net.Vm.Listen(ToVmPort);
        var atCorrespondent = net.Cn.Listen(ToCorrespondentPort);
        using var toVm = new PacedFlow(net.Cn, VmAddress, CorrespondentSourcePort, ToVmPort, Options.PacketsPerSecond, Options.PayloadBytes);
        using var toCorrespondent = new PacedFlow(net.Vm, CnAddress, VmSourcePort, ToCorrespondentPort, Options.PacketsPerSecond, Options.PayloadBytes);
        toVm.Start();
        toCorrespondent.Start();
        sim.RunFor(Options.Lead);

        run.MigrationStart = sim.Now;
        var memory = await MemoryPhase.RunAsync(Options, net.ReadDeviceState(), cancellationToken).ConfigureAwait(false);
        if (memory.Paused is TimeSpan paused)
        {
            sim.RunUntil(run.MigrationStart + paused);
            // Stop-and-copy: the guest stops, so do its application and its port; the source host queues for it.
            net.SourcePort.Pause();
            net.VmPort.Pause();
            toCorrespondent.Pause();
            run.Paused = sim.Now;
            if (memory.Released is TimeSpan released) MoveAway(run, memory, released, toCorrespondent);
            else if (memory.RolledBack is TimeSpan rolledBack) ResumeAtHome(run, rolledBack, toCorrespondent);
        }

        var resumedOrEnded = run.Resumed ?? run.MigrationStart + TimeSpan.FromMilliseconds(memory.Report.TotalTimeMs);
        sim.RunUntil(resumedOrEnded + Options.After);
        toVm.Stop();
        toCorrespondent.Stop();
        run.FlowsStopped = sim.Now;
        sim.RunFor(Options.Drain);
        return run.Report(Options, memory, toVm, atVm, toCorrespondent, atCorrespondent);
    }

    /// <summary>The destination has the VM: the network follows it there.</summary>
    private void MoveAway(Run run, MemoryTimeline memory, TimeSpan released, PacedFlow toCorrespondent)
    {
        var net = run.Net;
        if (memory.DeviceState is not VmDeviceState state)
            throw new InvalidOperationException($"the destination took the VM but not its device state: {memory.DestinationError}");
        net.Sim.RunUntil(run.MigrationStart + released);
        if (!net.HomeAgent.BeginHandover(state.HomeAddress, state.Mac))
            throw new InvalidOperationException($"the home agent does not serve {state.HomeAddress}");
        net.SourcePort.HandOver(net.HaHome.Mac);
        run.Released = net.Sim.Now;

        // The commit takes one WAN latency to reach the destination, which resumes the VM when it arrives,
        // with the NIC the device state describes.
        net.Sim.RunUntil(run.Released.Value + Options.WanLatency);
        net.VmPort.Client.StateChanged += run.OnRegistrationState;
        net.VmPort.ResumeAway(net.ForeignLink.AddPort("vm@foreign", state.Mac));
        run.ResumedSequence = toCorrespondent.Sent;
        toCorrespondent.Resume();
        run.Resumed = net.Sim.Now;
    }

    /// <summary>The destination refused the image: the VM runs on where it was, its queue first.</summary>
    private static void ResumeAtHome(Run run, TimeSpan rolledBack, PacedFlow toCorrespondent)
    {
        var net = run.Net;
        net.Sim.RunUntil(run.MigrationStart + rolledBack);
        net.VmPort.StartAtHome(net.SourcePort);
        net.SourcePort.Resume();
        run.ResumedSequence = toCorrespondent.Sent;
        toCorrespondent.Resume();
        run.Resumed = run.RolledBack = net.Sim.Now;
    }

    /// <summary>The instants of one run on the network's clock, and the report built from them.</summary>
    private sealed class Run(ScenarioTopology net)
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
            return new ScenarioReport
            {
                Outcome = moved ? ScenarioReport.Moved : ScenarioReport.StayedHome,
                Memory = memory.Report,
                DigestVerified = memory.DigestVerified,
                DestinationError = memory.DestinationError,
                DeviceState = memory.DeviceState is VmDeviceState s
                    ? new DeviceStateReport(s.Mac.ToString(), s.HomeAddress.ToString(), s.PrefixLength, s.Gateway.ToString())
                    : null,
                Network = new NetworkSetupReport(LinkModel.DescribeBandwidth(options.WanBitsPerSecond), options.WanLatency.TotalMilliseconds,
                    options.WanLoss, options.WanReordering, Describe(options.Encapsulation), options.PacketsPerSecond, options.PayloadBytes),
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
                    ? new BindingReport(b.HomeAddress.ToString(), b.CareOfAddress.ToString(), Describe(b.Encapsulation), b.ReverseTunnel, b.Lifetime)
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
                KeptAddress = atCorrespondent.LastSource == VmAddress
                    && (Resumed is null || FirstArrival(atCorrespondent, Resumed, firstAfterResume) is not null),
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

    private static string Describe(TunnelEncapsulation encapsulation) => encapsulation switch
    {
        TunnelEncapsulation.Gre => "gre",
        TunnelEncapsulation.Minimal => "minimal",
        _ => "ipip",
    };
}
