using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using NetMobility.Testbed.Tcp;

using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>
/// One live migration end to end: a VM on its home link serves a correspondent on another site over TCP (a bulk
/// stream to it, a request/response session, pings) while its memory is migrated to a host on a foreign link across
/// the WAN; it resumes there and keeps its address and its TCP sessions, through Mobile IPv4.
/// <para>
/// The two halves are coupled through the migration's timeline. The memory half runs first, for real (pre-copy
/// engine, page codecs, digest, device state) on its own virtual clock over a link with the WAN's bandwidth and
/// latency (<see cref="MemoryPhase"/>); the network half then replays that timeline on the network's virtual clock
/// (<see cref="ScenarioTopology"/>), with the sessions running throughout. The page stream itself is not carried on the
/// simulated WAN, so it does not compete with the sessions there (<see cref="ScenarioReport.PageStreamLink"/>).
/// </para>
/// <para>
/// The replay: during pre-copy the VM runs at home. At stop-and-copy it pauses (its clock, so its TCP timers, stand
/// still; its port is pulled), and the source host hands its traffic to the home agent, which holds it until the
/// move is committed or cancelled. When the destination has verified the image it answers ready and registers the
/// VM through its foreign agent, before the VM runs: one WAN latency later the registration reaches the home agent,
/// as the ready reaches the source, which releases the VM and commits the hand-over; the home agent's tunnel is in
/// place, so the held packets go into it at once and reach the destination with the commit, when the VM resumes
/// there. Frames that reach the destination before the VM runs wait at its port. If the destination refuses the
/// image instead, it never registers: the VM resumes at the source, and the home agent cancels the hand-over (any
/// binding made meanwhile removed) and sends it what it held, on the home link.
/// </para>
/// </summary>
public sealed class LiveMigrationScenario
{
    // Ports no Wireshark dissector claims (6001 would be taken for X11 and reassembled), so the captures decode the sessions as data.
    public const ushort BulkPort = 5001, RequestPort = 5002, BulkClientPort = 40000, RequestClientPort = 40001;

    public LiveMigrationScenario(ScenarioOptions options)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        Options = options;
    }

    public ScenarioOptions Options { get; }

    /// <summary>Records the run over time as it goes (for a live view and the SVG timeline); null for none.</summary>
    public ScenarioTimeline? Timeline { get; init; }

    public async Task<ScenarioReport> RunAsync(CancellationToken cancellationToken = default)
    {
        using var net = new ScenarioTopology(Options);
        var sim = net.Sim;
        var run = new ScenarioRun(net);
        using var bulk = new BulkSession(net.CnTcp, net.VmTcp, VmAddress, BulkPort, BulkClientPort, Options.BulkBitsPerSecond);
        using var requests = new RequestSession(net.CnTcp, net.VmTcp, VmAddress, RequestPort, RequestClientPort,
            Options.RequestBytes, Options.ResponseBytes, Options.ThinkTime);
        using var ping = new PingSeries(net.CnNode, VmAddress, Options.PingInterval);
        using var sampler = Timeline?.Watch(net.Sim.Loop, bulk, requests, ping);
        bulk.Start();
        requests.Start();
        ping.Start();
        sim.RunFor(Options.Lead);

        run.MigrationStart = sim.Now;
        var memory = await MemoryPhase.RunAsync(Options, net.ReadDeviceState(), cancellationToken, Timeline).ConfigureAwait(false);
        if (memory.Paused is TimeSpan paused)
        {
            sim.RunUntil(run.MigrationStart + paused);
            // Stop-and-copy: the guest stops, its clock and its port with it; the source host hands its traffic to the
            // home agent, which holds it until the move is committed or cancelled.
            net.VmClock.Pause();
            net.VmPort.Pause();
            net.SourcePort.Pause();
            if (!net.HomeAgent.BeginHandover(VmAddress, VmMac, untilCommitted: true))
                throw new InvalidOperationException($"the home agent does not serve {VmAddress}");
            net.SourcePort.HandOver(net.HaHome.Mac);
            run.Paused = sim.Now;
            if (memory.Released is TimeSpan released) MoveAway(run, memory, released);
            else if (memory.RolledBack is TimeSpan rolledBack) ResumeAtHome(run, rolledBack);
        }

        var resumedOrEnded = run.Resumed ?? run.MigrationStart + TimeSpan.FromMilliseconds(memory.Report.TotalTimeMs);
        if (run.Released is not null) resumedOrEnded = WaitForRegistration(run);
        sim.RunUntil(resumedOrEnded + Options.After);
        bulk.Stop();
        requests.Stop();
        ping.Stop();
        run.FlowsStopped = sim.Now;
        sim.RunFor(Options.Drain);
        // On a lossy WAN the last octets may need longer than the drain to be repaired: the run waits for both sessions
        // to close (a connection that gives up closes too), a minute at most.
        var limit = sim.Now + MaxExtraDrain;
        while (!(Ended(bulk.Client) && Ended(bulk.Server) && Ended(requests.Client) && Ended(requests.Server)) && sim.Now < limit)
            sim.RunFor(RegistrationStep);
        var report = run.Report(Options, memory, bulk, requests, ping);
        Timeline?.Record(report);
        return report;
    }

    /// <summary>The destination has the VM: it registers it before it runs, and the network follows it there.</summary>
    private void MoveAway(ScenarioRun run, MemoryTimeline memory, TimeSpan released)
    {
        var net = run.Net;
        if (memory.DeviceState is not VmDeviceState state)
            throw new InvalidOperationException($"the destination took the VM but not its device state: {memory.DestinationError}");
        // The destination answered ready one WAN latency before the source had it; its hypervisor (started with the
        // VM's configuration, so with its NIC's address) plugs the VM's port into the foreign link and registers it.
        var ready = run.MigrationStart + released - Options.WanLatency;
        net.Sim.RunUntil(ready > net.Sim.Now ? ready : net.Sim.Now);
        var foreignPort = net.ForeignLink.AddPort("vm@foreign", state.Mac);
        net.VmPort.Client.StateChanged += run.OnRegistrationState;
        run.RegistrationStarted(net.Sim.Now);
        net.VmPort.RegisterAhead(foreignPort);

        net.Sim.RunUntil(run.MigrationStart + released);
        net.HomeAgent.CommitHandover(state.HomeAddress);
        run.Released = net.Sim.Now;

        // The commit takes one WAN latency to reach the destination, which resumes the VM when it arrives.
        net.Sim.RunUntil(run.Released.Value + Options.WanLatency);
        run.Resumed = net.Sim.Now;
        net.VmPort.ResumeAway(foreignPort);
        net.VmClock.Resume();
    }

    /// <summary>
    /// After a move, the network runs until the VM's registration is accepted: its hypervisor retransmits with a doubling
    /// timeout (RFC 5944 sec 3.6.3), and on a lossy WAN that can take several tries. It waits as long as the lifetime
    /// the request asked for; a registration not accepted by then leaves the VM cut off (moved but unreachable).
    /// Returns the instant the wait ended.
    /// </summary>
    private static DateTimeOffset WaitForRegistration(ScenarioRun run)
    {
        var sim = run.Net.Sim;
        var client = run.Net.VmPort.Client;
        run.RegistrationDeadline = run.Resumed!.Value + TimeSpan.FromSeconds(client.Options.Lifetime);
        while (run.Registered is null && client.State != RegistrationState.Denied && sim.Now < run.RegistrationDeadline)
            sim.RunUntil(Min(sim.Now + RegistrationStep, run.RegistrationDeadline.Value));
        return run.Registered is { } registered && registered > run.Resumed.Value ? registered : sim.Now;
    }

    private static readonly TimeSpan MaxExtraDrain = TimeSpan.FromMinutes(1);

    private static bool Ended(TcpConnection? connection) => connection is null or { State: TcpState.Closed or TcpState.TimeWait };

    private static readonly TimeSpan RegistrationStep = TimeSpan.FromMilliseconds(100);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The destination refused the image: the VM runs on where it was, and the home agent gives back what it held.</summary>
    private static void ResumeAtHome(ScenarioRun run, TimeSpan rolledBack)
    {
        var net = run.Net;
        net.Sim.RunUntil(run.MigrationStart + rolledBack);
        net.SourcePort.ResumeHere();
        net.VmPort.StartAtHome(net.SourcePort);
        net.HomeAgent.CancelHandover(VmAddress);
        net.VmClock.Resume();
        run.Resumed = run.RolledBack = net.Sim.Now;
    }
}
