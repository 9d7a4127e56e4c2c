using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

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
/// simulated WAN, so it does not compete with the flows there: it runs on a path of the WAN's bandwidth and latency
/// whose losses TCP would repair below it, and the report says so (<see cref="ScenarioReport.PageStreamLink"/>).
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
        var run = new ScenarioRun(net);
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
        if (run.Released is not null) resumedOrEnded = WaitForRegistration(run);
        sim.RunUntil(resumedOrEnded + Options.After);
        toVm.Stop();
        toCorrespondent.Stop();
        run.FlowsStopped = sim.Now;
        sim.RunFor(Options.Drain);
        return run.Report(Options, memory, toVm, atVm, toCorrespondent, atCorrespondent);
    }

    /// <summary>The destination has the VM: the network follows it there.</summary>
    private void MoveAway(ScenarioRun run, MemoryTimeline memory, TimeSpan released, PacedFlow toCorrespondent)
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
        run.ResumedAway();
        net.VmPort.ResumeAway(net.ForeignLink.AddPort("vm@foreign", state.Mac));
        run.ResumedSequence = toCorrespondent.Sent;
        toCorrespondent.Resume();
        run.Resumed = net.Sim.Now;
    }

    /// <summary>
    /// After a move, the network runs until the VM's registration is accepted: its hypervisor retransmits with a doubling
    /// timeout (RFC 5944 sec 3.6.3), and on a lossy WAN that can take several tries. It waits as long as the lifetime
    /// the request asked for; a registration not accepted by then leaves the VM cut off (moved but unreachable).
    /// Returns the instant the wait ended.
    /// </summary>
    private DateTimeOffset WaitForRegistration(ScenarioRun run)
    {
        var sim = run.Net.Sim;
        var client = run.Net.VmPort.Client;
        run.RegistrationDeadline = run.Resumed!.Value + TimeSpan.FromSeconds(client.Options.Lifetime);
        while (run.Registered is null && client.State != RegistrationState.Denied && sim.Now < run.RegistrationDeadline)
            sim.RunUntil(Min(sim.Now + RegistrationStep, run.RegistrationDeadline.Value));
        return run.Registered ?? sim.Now;
    }

    private static readonly TimeSpan RegistrationStep = TimeSpan.FromMilliseconds(100);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The destination refused the image: the VM runs on where it was, its queue first.</summary>
    private static void ResumeAtHome(ScenarioRun run, TimeSpan rolledBack, PacedFlow toCorrespondent)
    {
        var net = run.Net;
        net.Sim.RunUntil(run.MigrationStart + rolledBack);
        net.VmPort.StartAtHome(net.SourcePort);
        net.SourcePort.Resume();
        run.ResumedSequence = toCorrespondent.Sent;
        toCorrespondent.Resume();
        run.Resumed = run.RolledBack = net.Sim.Now;
    }
}
