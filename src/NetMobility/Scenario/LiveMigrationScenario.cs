using NetMobility.Wire;
using NetMobility.Mobility.Registration;
using NetMobility.Testbed.Tcp;

using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>
/// One live migration end to end: a VM on its home link serves a correspondent on another site over TCP (a bulk
/// stream to it, a request/response session, pings) while its memory is migrated to a host on a foreign link across
/// the WAN; it resumes there and keeps its address and its TCP sessions, through Mobile IPv4.
/// <para>
/// Both halves run on the network's one virtual clock. The memory half (<see cref="MemoryPhase"/>: pre-copy engine,
/// page codecs, digest, device state) runs single-threaded on the network's event loop, its page stream over the
/// testbed's TCP from the source host to the destination host across the WAN that carries the VM's traffic, sharing
/// its bandwidth, latency and loss. The migration's moments act on the network as they happen.
/// </para>
/// <para>
/// During pre-copy the VM runs at home. When the engine pauses the guest for stop-and-copy, the VM's clock (so its TCP
/// timers) and its port stop, and the source host hands its traffic to the home agent, which holds it until the move
/// is committed or cancelled. When the destination has verified the image it registers the VM through its foreign
/// agent, before the VM runs, and answers ready: the registration and the ready cross the WAN together; the source
/// releases the VM and the home agent commits the hand-over, so the held packets go into the new tunnel at once and
/// reach the destination about when the commit does and the VM resumes there. Frames that reach the destination before
/// the VM runs wait at its port. If the destination refuses the image instead, it never registers: the VM resumes at
/// the source, and the home agent cancels the hand-over (any binding made meanwhile removed) and sends it what it held,
/// on the home link.
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
        using var move = new Move(run);
        var memory = await MemoryPhase.RunAsync(Options, net, net.ReadDeviceState(), move.Moments, cancellationToken, Timeline).ConfigureAwait(false);

        var resumedOrEnded = run.Resumed ?? sim.Now;
        if (run.Released is not null && run.Resumed is not null) resumedOrEnded = WaitForRegistration(run);
        sim.RunUntil(resumedOrEnded + Options.After);
        MemoryTimeline? back = null;
        if (Options.Back && run.Resumed is not null && run.Released is not null && move.ForeignPort is { } foreignPort)
        {
            var home = new MoveHome(run, foreignPort);
            back = await MemoryPhase.RunAsync(Options, net, net.ReadDeviceState(), home.Moments, back: true, cancellationToken, Timeline).ConfigureAwait(false);
            sim.RunUntil((run.ResumedBack ?? sim.Now) + Options.After);
        }
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
        var report = run.Report(Options, memory, bulk, requests, ping, back);
        Timeline?.Record(report);
        return report;
    }

    /// <summary>What the network does at each moment of the migration, as the engine reaches it.</summary>
    private sealed class Move(ScenarioRun run) : IDisposable
    {
        private SourceHostPort? _foreignPort;

        /// <summary>The VM's port on the destination host, once it was plugged in there.</summary>
        public SourceHostPort? ForeignPort => _foreignPort;

        public void Dispose() => _foreignPort?.Dispose();

        public MigrationMoments Moments => new()
        {
            Paused = Pause,
            Verified = RegisterAhead,
            Released = Release,
            Resumed = ResumeAway,
            RolledBack = ResumeAtHome,
        };

        private ScenarioTopology Net => run.Net;

        /// <summary>Stop-and-copy: the guest stops, its clock and its port with it; the source host hands its traffic to the home agent.</summary>
        private void Pause()
        {
            Net.VmClock.Pause();
            Net.VmPort.Pause();
            Net.SourcePort.Pause();
            if (!Net.HomeAgent.BeginHandover(VmAddress, VmMac, untilCommitted: true))
                throw new InvalidOperationException($"the home agent does not serve {VmAddress}");
            Net.SourcePort.HandOver(Net.HaHome.Mac);
            run.Paused = Net.Sim.Now;
        }

        /// <summary>
        /// The destination has the verified image: its hypervisor (started with the VM's configuration, so with its NIC's
        /// address) plugs the VM's port into the foreign link and registers it, before it runs.
        /// </summary>
        private void RegisterAhead(byte[] deviceState)
        {
            if (!VmDeviceState.TryParse(deviceState, out var state, out _, out var error))
                throw new InvalidOperationException($"the destination verified the VM but cannot read its device state: {error.Describe()}");
            _foreignPort = new SourceHostPort(Net.ForeignLink.AddPort("vm@foreign", state.Mac));
            Net.VmPort.Client.StateChanged += run.OnRegistrationState;
            run.RegistrationStarted(Net.Sim.Now);
            Net.VmPort.RegisterAhead(_foreignPort);
        }

        /// <summary>The source released the VM: the home agent's held packets go into the new tunnel.</summary>
        private void Release()
        {
            Net.HomeAgent.CommitHandover(VmAddress);
            run.Released = Net.Sim.Now;
        }

        /// <summary>The commit reached the destination: the VM runs there.</summary>
        private void ResumeAway()
        {
            run.Resumed = Net.Sim.Now;
            Net.VmPort.ResumeAway(_foreignPort ?? throw new InvalidOperationException("the VM resumes at the destination before it was plugged in there"));
            Net.VmClock.Resume();
        }

        /// <summary>The destination refused the image: the VM runs on where it was, and the home agent gives back what it held.</summary>
        private void ResumeAtHome()
        {
            Net.SourcePort.ResumeHere();
            Net.VmPort.StartAtHome(Net.SourcePort);
            Net.HomeAgent.CancelHandover(VmAddress);
            Net.VmClock.Resume();
            run.Resumed = run.RolledBack = Net.Sim.Now;
        }
    }

    /// <summary>
    /// What the network does as the VM moves back from the foreign host to its home host. While it is paused the home
    /// agent holds what comes for it (the binding still points away), and its port at the foreign host queues what was
    /// already in the tunnel; that queue goes home with the VM. At home the VM is announced and deregisters (it arrives
    /// from a host whose port registered it), and the home agent sends it what it held, on the home link.
    /// </summary>
    private sealed class MoveHome(ScenarioRun run, SourceHostPort foreignPort)
    {
        public MigrationMoments Moments => new()
        {
            Paused = Pause,
            Verified = _ => { },
            Released = () => run.ReleasedBack = Net.Sim.Now,
            Resumed = ResumeHome,
            RolledBack = StayAway,
        };

        private ScenarioTopology Net => run.Net;

        private void Pause()
        {
            Net.VmClock.Pause();
            if (!Net.HomeAgent.BeginHandover(VmAddress, VmMac, untilCommitted: true))
                throw new InvalidOperationException($"the home agent does not serve {VmAddress}");
            foreignPort.Pause();
            Net.VmPort.Pause();
            run.PausedBack = Net.Sim.Now;
        }

        private void ResumeHome()
        {
            Net.SourcePort.ResumeHere();
            Net.VmPort.ResumeHome(Net.SourcePort, fromAnotherHost: true);
            Net.VmClock.Resume();
            run.ResumedBack = Net.Sim.Now;
            // What the foreign host queued for the paused VM came with it; the VM's port at home takes it first, in order.
            foreignPort.HandOverTo(frame => Net.SourcePort.Receiver?.Invoke(frame));
            run.HandedOverWithVm = foreignPort.HandedOverWithVm;
        }

        /// <summary>The move home failed: the VM runs on at the foreign host, which gives it its queue; the home agent's held packets go into the tunnel.</summary>
        private void StayAway()
        {
            Net.VmPort.ResumeAway(foreignPort);
            foreignPort.Resume();
            Net.HomeAgent.CommitHandover(VmAddress);
            Net.VmClock.Resume();
            run.ResumedBack = Net.Sim.Now;
        }
    }

    /// <summary>
    /// After a move, the network runs until the VM's registration is accepted: its hypervisor retransmits with a doubling
    /// timeout (RFC 5944 sec 3.6.3), and on a lossy WAN that can take several tries. It waits as long as the lifetime
    /// the request asked for; a registration not accepted by then leaves the VM cut off (moved but unreachable).
    /// Returns the instant the VM was reachable (the later of its resume and its registration), or the wait ended.
    /// </summary>
    private static DateTimeOffset WaitForRegistration(ScenarioRun run)
    {
        var sim = run.Net.Sim;
        var client = run.Net.VmPort.Client;
        run.RegistrationDeadline = run.Resumed!.Value + TimeSpan.FromSeconds(client.Options.Lifetime);
        while (run.Registered is null && client.State != RegistrationState.Denied && sim.Now < run.RegistrationDeadline)
            sim.RunUntil(Min(sim.Now + RegistrationStep, run.RegistrationDeadline.Value));
        return run.Registered is { } registered ? registered > run.Resumed.Value ? registered : run.Resumed.Value : sim.Now;
    }

    private static readonly TimeSpan MaxExtraDrain = TimeSpan.FromMinutes(1);

    private static bool Ended(TcpConnection? connection) => connection is null or { State: TcpState.Closed or TcpState.TimeWait };

    private static readonly TimeSpan RegistrationStep = TimeSpan.FromMilliseconds(100);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
