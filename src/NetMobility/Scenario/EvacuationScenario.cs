using NetMobility.Migration.Transports;
using NetMobility.Mobility.Registration;
using NetMobility.Testbed.Tcp;
using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>
/// The host at home is predicted to fail and is emptied before it does: N VMs on the home link (10.1.0.42 on), each
/// with its own image, workload, clock, port and registration, are live-migrated all at once to the host on the foreign
/// link, their page streams sharing the WAN (one set of connections per VM, to port 4800 + i). Each VM serves a small
/// request/response session to the correspondent throughout; each is registered by the destination through the foreign
/// agent as <see cref="LiveMigrationScenario"/> registers its one VM, so the home agent takes a burst of N registrations
/// and ends holding N bindings. Every VM's moments act on the network as they happen (<see cref="EvacuationMove"/>).
/// </summary>
public sealed class EvacuationScenario
{
    /// <summary>The correspondent's port for VM i's request session is this plus i.</summary>
    public const ushort RequestClientPortBase = 41000;

    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxExtraDrain = TimeSpan.FromMinutes(1);

    public EvacuationScenario(ScenarioOptions options, int vms)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        if (ValidateCount(vms) is string count) throw new ArgumentException(count, nameof(vms));
        Options = options;
        VmCount = vms;
    }

    public ScenarioOptions Options { get; }
    public int VmCount { get; }

    /// <summary>Null for a count of VMs the home link holds, else why not.</summary>
    public static string? ValidateCount(int vms) =>
        vms is >= 1 and <= ScenarioVm.MaxVms ? null : $"vms: {vms} is not a number of VMs from 1 to {ScenarioVm.MaxVms}";

    public async Task<EvacuationReport> RunAsync(CancellationToken cancellationToken = default)
    {
        using var net = new ScenarioTopology(Options);
        var sim = net.Sim;
        var start = sim.Now;
        var vms = new List<ScenarioVm> { ScenarioVm.First(net) };
        var moves = new List<EvacuationMove>();
        var sessions = new List<RequestSession>();
        try
        {
            for (int i = 1; i < VmCount; i++) vms.Add(ScenarioVm.Add(net, Options, i));
            var firstAtVm = new DateTimeOffset?[VmCount];
            foreach (var vm in vms)
            {
                var move = new EvacuationMove(net, vm);
                moves.Add(move);
                int i = vm.Index;
                vm.Node.AddHook((_, packet) =>
                {
                    if (move.Resumed is { } r && move.RolledBack is null && firstAtVm[i] is null && packet.Source == CnAddress && sim.Now >= r) firstAtVm[i] = sim.Now;
                    return false;
                });
                sessions.Add(new RequestSession(net.CnTcp, vm.Tcp, vm.Address, LiveMigrationScenario.RequestPort, (ushort)(RequestClientPortBase + i),
                    Options.RequestBytes, Options.ResponseBytes, Options.ThinkTime));
            }
            foreach (var s in sessions) s.Start();
            sim.RunFor(Options.Lead);

            var migrationStart = sim.Now;
            var memory = await EvacuationMemory.RunAsync(Options, net, vms, [.. moves.Select(m => m.Moments)], cancellationToken).ConfigureAwait(false);
            var reachable = WaitForRegistrations(net, moves);
            sim.RunUntil(reachable + Options.After);
            foreach (var s in sessions) s.Stop();
            sim.RunFor(Options.Drain);
            var limit = sim.Now + MaxExtraDrain;
            while (!sessions.TrueForAll(s => Ended(s.Client) && Ended(s.Server)) && sim.Now < limit) sim.RunFor(Step);
            return Report(net, start, migrationStart, moves, memory, sessions, firstAtVm);
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
            foreach (var m in moves) m.Dispose();
            foreach (var vm in vms) vm.Dispose();
        }
    }

    /// <summary>
    /// Runs the network until every VM that moved is registered (or was denied), at most the lifetime its request asked
    /// for after its resume; returns the instant the last of them was reachable, or the wait ended.
    /// </summary>
    private static DateTimeOffset WaitForRegistrations(ScenarioTopology net, List<EvacuationMove> moves)
    {
        var sim = net.Sim;
        var moved = moves.Where(m => m.Released is not null && m.Resumed is not null).ToList();
        var latest = moves.Max(m => m.Resumed) ?? sim.Now;
        if (moved.Count == 0) return latest > sim.Now ? latest : sim.Now;
        var deadline = moved.Max(m => m.Resumed!.Value + TimeSpan.FromSeconds(m.Vm.Port.Client.Options.Lifetime));
        while (!moved.TrueForAll(m => m.Registered is not null || m.Vm.Port.Client.State == RegistrationState.Denied) && sim.Now < deadline)
            sim.RunFor(Step);
        foreach (var m in moved)
            if (m.Registered is { } at && at > latest) latest = at;
        return moved.TrueForAll(m => m.Registered is not null) ? latest : sim.Now;
    }

    private EvacuationReport Report(ScenarioTopology net, DateTimeOffset start, DateTimeOffset migrationStart, List<EvacuationMove> moves,
        IReadOnlyList<MemoryTimeline> memory, List<RequestSession> sessions, DateTimeOffset?[] firstAtVm)
    {
        double Ms(DateTimeOffset at) => (at - start).TotalMilliseconds;
        var vms = new List<EvacuatedVmReport>(moves.Count);
        for (int i = 0; i < moves.Count; i++)
        {
            var m = moves[i];
            var vm = m.Vm;
            var session = sessions[i];
            bool moved = m.Released is not null && m.RolledBack is null;
            bool reachable = moved && m.Registered is not null && firstAtVm[i] is not null;
            var binding = net.HomeAgent.Bindings.TryGetFirst(vm.Address, out var b) ? b.CareOfAddress.ToString() : null;
            vms.Add(new EvacuatedVmReport
            {
                Index = i,
                Address = vm.Address.ToString(),
                Mac = vm.Mac.ToString(),
                Outcome = !moved ? ScenarioReport.StayedHome : reachable ? ScenarioReport.Moved : ScenarioReport.MovedUnreachable,
                DigestVerified = memory[i].DigestVerified,
                DestinationError = memory[i].DestinationError,
                Rounds = memory[i].Report.Rounds.Count,
                BytesOnWire = memory[i].Report.WireBytes,
                PausedMs = m.Paused is { } p ? Ms(p) : null,
                ResumedMs = m.Resumed is { } r ? Ms(r) : null,
                DowntimeMs = (m.Resumed - m.Paused)?.TotalMilliseconds,
                TotalMs = (m.Resumed - migrationStart)?.TotalMilliseconds,
                RegistrationRequests = m.RegistrationStarted is null ? 0 : vm.Port.Client.RequestsSent - m.RequestsAtStart,
                ResumeToRegisteredMs = moved ? (m.Registered - m.Resumed)?.TotalMilliseconds : null,
                ResumeToFirstDeliveredMs = moved ? (firstAtVm[i] - m.Resumed)?.TotalMilliseconds : null,
                CareOfAddress = binding,
                RequestsCompleted = session.Latencies.Count,
                SessionWhole = Whole(session),
            });
        }
        var downtimes = vms.Where(v => v.DowntimeMs is not null).Select(v => v.DowntimeMs!.Value).Order().ToList();
        bool allMoved = vms.TrueForAll(v => v.Outcome == ScenarioReport.Moved);
        var connections = memory.SelectMany(t => t.Connections).ToList();
        var bindings = net.HomeAgent.Bindings.ToList();
        return new EvacuationReport
        {
            Outcome = allMoved ? EvacuationReport.Evacuated : EvacuationReport.NotEvacuated,
            VmCount = moves.Count,
            MemoryBytesPerVm = Options.MemoryBytes,
            Workload = Options.Workload,
            Policy = Options.Policy,
            ChannelsPerVm = Options.Channels,
            WindowBytesPerConnection = Math.Clamp(EvacuationMemory.TotalWindowBytes / (moves.Count * Options.Channels), 8 << 10, 512 << 10),
            Network = new NetworkSetupReport(PathModel.DescribeBandwidth(Options.WanBitsPerSecond), Options.WanLatency.TotalMilliseconds,
                Options.WanLoss, Options.WanReordering, Options.Encapsulation.Name, Options.ReverseTunnel, "none",
                Options.RequestBytes, Options.ResponseBytes, Options.ThinkTime.TotalMilliseconds, 0, Options.Settle.TotalMilliseconds),
            MigrationStartMs = Ms(migrationStart),
            TimeToEmptyMs = vms.TrueForAll(v => v.Outcome != ScenarioReport.StayedHome) && vms.Max(v => v.TotalMs) is double last ? last : null,
            WorstDowntimeMs = downtimes.Count > 0 ? downtimes[^1] : null,
            MedianDowntimeMs = downtimes.Count == 0 ? null
                : downtimes.Count % 2 == 1 ? downtimes[downtimes.Count / 2] : (downtimes[downtimes.Count / 2 - 1] + downtimes[downtimes.Count / 2]) / 2,
            WorstResumeToFirstDeliveredMs = vms.Max(v => v.ResumeToFirstDeliveredMs),
            Bindings = bindings.Count,
            BindingsToCareOf = bindings.Count(x => x.CareOfAddress == FaAddress),
            HomeAgent = HomeAgentReport.Of(net.HomeAgent.Counters),
            ForeignAgent = ForeignAgentReport.Of(net.ForeignAgent.Counters),
            PageStreamConnections = connections.Count,
            PageStreamSegments = connections.Sum(c => c.Counters.SegmentsSent),
            PageStreamRetransmissions = connections.Sum(c => c.Counters.SegmentsRetransmitted),
            PageStreamRtos = connections.Sum(c => c.Counters.RtosFired),
            EndMs = Ms(net.Sim.Now),
            Vms = vms,
        };
    }

    /// <summary>Both ends closed cleanly and every octet of both directions arrived, in order.</summary>
    private static bool Whole(RequestSession s) =>
        s.Client is { CloseReason: TcpCloseReason.None } && s.Server is { CloseReason: TcpCloseReason.None }
        && Whole(s.RequestsSent, s.RequestsReceived) && Whole(s.ResponsesSent, s.ResponsesReceived);

    private static bool Whole(PatternStream sent, PatternStream received) =>
        sent.Length > 0 && received.Length == sent.Length && received.Mismatches == 0 && sent.Sha256() == received.Sha256();

    private static bool Ended(TcpConnection? connection) => connection is null or { State: TcpState.Closed or TcpState.TimeWait };
}
