using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Bench;
using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;
using static NetMobility.Scenario.ScenarioTopology;

namespace NetMobility.Scenario;

/// <summary>
/// The memory half of an evacuation: one pre-copy migration per VM (<see cref="PreCopySource"/> to
/// <see cref="MigrationDestination"/>), all started at the same instant, each over its own testbed TCP connections from
/// the source host to the destination host's port <see cref="MemoryPhase.MigrationPort"/> + i, all across the one WAN,
/// on the network's clock. Each VM's image holds typical contents from its own seed, and its own workload dirties it.
/// </summary>
public static class EvacuationMemory
{
    /// <summary>
    /// What all the page-stream connections keep in flight together: about the WAN's queue and a 40 ms round trip of
    /// 100 Mbit/s, so a hundred connections do not overflow the WAN's queue at once; each has 8 to 512 KiB of it.
    /// </summary>
    public const int TotalWindowBytes = 1 << 20;

    /// <summary>Runs the migrations of <paramref name="vms"/> together to their ends; the i-th timeline is the i-th VM's.</summary>
    public static async Task<IReadOnlyList<MemoryTimeline>> RunAsync(ScenarioOptions options, ScenarioTopology net, IReadOnlyList<ScenarioVm> vms,
        IReadOnlyList<MigrationMoments> moments, CancellationToken cancellationToken = default)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNotEqual(moments.Count, vms.Count, nameof(moments));
        var clock = net.Sim.Clock;
        var start = clock.GetUtcNow();
        int window = Math.Clamp(TotalWindowBytes / (vms.Count * options.Channels), 8 << 10, 512 << 10);
        var tcp = new TcpEndpointOptions { SendBufferSize = window, ReceiveBufferSize = window };
        var one = new One[vms.Count];
        try
        {
            for (int i = 0; i < vms.Count; i++) one[i] = new One(options, net, vms[i], moments[i], tcp, start);
            var (migrating, receiving) = await Task.Run(() => Drive(net.Sim, one, cancellationToken), cancellationToken).ConfigureAwait(false);
            var timelines = new MemoryTimeline[vms.Count];
            for (int i = 0; i < vms.Count; i++)
                timelines[i] = await one[i].TimelineAsync(migrating[i], receiving[i], cancellationToken).ConfigureAwait(false);
            return timelines;
        }
        finally
        {
            foreach (var o in one) if (o is not null) await o.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts every migration, then runs the network until all sources are done and their destinations have ended (or were given up).</summary>
    private static (Task<MigrationReport>[] Migrating, Task<DestinationResult>[] Receiving) Drive(Simulation sim, One[] all, CancellationToken cancellationToken)
    {
        var receiving = new Task<DestinationResult>[all.Length];
        var migrating = new Task<MigrationReport>[all.Length];
        for (int i = 0; i < all.Length; i++)
        {
            receiving[i] = all[i].Destination.ReceiveAsync(all[i].Link, all[i].GiveUp.Token);
            migrating[i] = all[i].Source.MigrateAsync(all[i].Link, cancellationToken);
        }
        while (!Array.TrueForAll(migrating, t => t.IsCompleted))
        {
            cancellationToken.ThrowIfCancellationRequested();
            sim.RunFor(MemoryPhase.Step);
        }
        var limit = sim.Now + MemoryPhase.DestinationBound;
        while (!Array.TrueForAll(receiving, t => t.IsCompleted) && sim.Now < limit) sim.RunFor(MemoryPhase.Step);
        for (int i = 0; i < all.Length; i++)
            if (!receiving[i].IsCompleted) all[i].GiveUp.Cancel();
        sim.RunUntilIdle();
        return (migrating, receiving);
    }

    /// <summary>One VM's migration: its image, workload, source engine, destination and page-stream link.</summary>
    private sealed class One : IAsyncDisposable
    {
        private readonly MemoryImage _image;
        private readonly DateTimeOffset _start;
        private DateTimeOffset? _pausedAt, _releasedAt, _rolledBackAt;

        public One(ScenarioOptions options, ScenarioTopology net, ScenarioVm vm, MigrationMoments moments, TcpEndpointOptions tcp, DateTimeOffset start)
        {
            var clock = net.Sim.Clock;
            _start = start;
            int seed = options.Seed + 7919 * vm.Index;
            _image = new MemoryImage(options.MemoryBytes);
            RealisticContent.Fill(_image, seed, ContentProfile.Typical);
            Link = new TcpPagePath(net, net.SourceHostTcp, net.DestinationHostTcp, DestinationHostAddress, (ushort)(MemoryPhase.MigrationPort + vm.Index), tcp);
            var workload = new CoupledWorkloadControl(
                new VirtualWorkloadControl(MigrationBench.CreateWorkload(options.Workload, seed), _image, clock),
                () => { _pausedAt = clock.GetUtcNow(); moments.Paused(); },
                () => { _rolledBackAt = clock.GetUtcNow(); moments.RolledBack(); });
            Source = new PreCopySource(_image, MigrationBench.CreatePolicy(options.Policy), workload, clock, new SourceOptions
            {
                Channels = options.Channels,
                Encoder = MemoryPhase.EncoderFor(options),
                DeviceState = vm.ReadDeviceState().ToArray(),
                TransportName = $"testbed TCP across the WAN to port {MemoryPhase.MigrationPort + vm.Index}, virtual time",
                SingleThreaded = true,
                Released = () => { _releasedAt = clock.GetUtcNow(); moments.Released(); },
            });
            Destination = new MigrationDestination(new DestinationOptions
            {
                Clock = clock,
                SingleThreaded = true,
                AfterPageApplied = options.FailVerification ? (_, page) => page[0] ^= 0xFF : null,
                Verified = moments.Verified,
                ResumeVm = _ => { moments.Resumed(); return Task.CompletedTask; },
            });
        }

        public TcpPagePath Link { get; }
        public PreCopySource Source { get; }
        public MigrationDestination Destination { get; }
        public CancellationTokenSource GiveUp { get; } = new();

        public async Task<MemoryTimeline> TimelineAsync(Task<MigrationReport> migrating, Task<DestinationResult> receiving, CancellationToken cancellationToken)
        {
            var report = await migrating.ConfigureAwait(false);
            return await MemoryPhase.FinishAsync(report, receiving, Link, SourceHostAddress,
                _pausedAt - _start, _releasedAt - _start, _rolledBackAt - _start, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await Link.DisposeAsync().ConfigureAwait(false);
            GiveUp.Dispose();
            _image.Dispose();
        }
    }
}
