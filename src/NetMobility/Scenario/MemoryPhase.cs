using NetMobility.Migration.Engine;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Bench;
using NetMobility.Migration.Transports;
using NetMobility.Migration;
using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;
using NetMobility.Wire;
using static NetMobility.Scenario.ScenarioTopology;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;

namespace NetMobility.Scenario;

/// <summary>
/// What the memory half of a migration tells of it: the report, and from its start on the network's clock when the VM
/// paused for stop-and-copy, when the source released it to the destination, or when it resumed at the source after a
/// failure; and the device state as the destination read it.
/// </summary>
public sealed record MemoryTimeline
{
    public required MigrationReport Report { get; init; }

    /// <summary>From the start to the pause for stop-and-copy; null when the migration failed before it.</summary>
    public TimeSpan? Paused { get; init; }

    /// <summary>From the start to the source's release of the VM, on the destination's ready; null when it never came.</summary>
    public TimeSpan? Released { get; init; }

    /// <summary>From the start to the VM's resumption at the source after a failure; null when the migration completed.</summary>
    public TimeSpan? RolledBack { get; init; }

    /// <summary>The destination rebuilt the image, its digest matched the source's, and it took the VM.</summary>
    public bool DigestVerified { get; init; }

    /// <summary>The device state the destination received, when it took the VM and the record parsed.</summary>
    public VmDeviceState? DeviceState { get; init; }

    /// <summary>Why the destination refused the stream or the device state, if it did.</summary>
    public string? DestinationError { get; init; }

    /// <summary>The page stream's TCP connections at the sending host, in the order opened (reconnections included).</summary>
    public IReadOnlyList<TcpConnection> Connections { get; init; } = [];
}

/// <summary>What the network does at the moments of a migration, called on the network's event loop as they happen.</summary>
public sealed class MigrationMoments
{
    /// <summary>The source engine paused the guest for stop-and-copy.</summary>
    public required Action Paused { get; init; }

    /// <summary>The destination verified the image and is about to answer ready, with the device state it received.</summary>
    public required Action<byte[]> Verified { get; init; }

    /// <summary>The destination's ready reached the source, which released the VM to it.</summary>
    public required Action Released { get; init; }

    /// <summary>The commit reached the destination, which runs the VM now.</summary>
    public required Action Resumed { get; init; }

    /// <summary>The migration failed after the pause and the source runs the VM again.</summary>
    public required Action RolledBack { get; init; }
}

/// <summary>
/// Runs the memory half of a scenario: a real pre-copy migration (<see cref="PreCopySource"/> to
/// <see cref="MigrationDestination"/>, the VM's device state in the stream) over the testbed's TCP from the source host
/// to the destination host across the simulated WAN (<see cref="TcpPagePath"/>), in the network's virtual time: the
/// engine runs single-threaded on the network's event loop, the workload dirties the image as that clock moves, and the
/// migration's moments reach the network as they happen (<see cref="MigrationMoments"/>). The WAN's bandwidth, latency,
/// loss and reordering are the page stream's too.
/// </summary>
public static class MemoryPhase
{
    /// <summary>The destination host's port for the page stream.</summary>
    public const ushort MigrationPort = 4800;

    // Each page-stream connection keeps at most 512 KiB in flight: the two of a default run fill a 100 Mbit/s, 40 ms round
    // trip twice over (0.5 MB) and leave the rest in the WAN's queue (1000 frames a leg) rather than overflowing it, which
    // the testbed's TCP (NewReno, no SACK) would repair one segment a round trip.
    private static readonly TcpEndpointOptions StreamTcp = new() { SendBufferSize = 512 << 10, ReceiveBufferSize = 512 << 10 };

    internal static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    // After the source is done, the destination's last connection closes (its FIN crosses the WAN): a lost FIN needs an RTO or two.
    internal static readonly TimeSpan DestinationBound = TimeSpan.FromSeconds(30);

    public static Task<MemoryTimeline> RunAsync(ScenarioOptions options, ScenarioTopology net, VmDeviceState deviceState,
        MigrationMoments moments, CancellationToken cancellationToken = default, ScenarioTimeline? timeline = null) =>
        RunAsync(options, net, deviceState, moments, back: false, cancellationToken, timeline);

    /// <summary>
    /// As <see cref="RunAsync(ScenarioOptions, ScenarioTopology, VmDeviceState, MigrationMoments, CancellationToken, ScenarioTimeline)"/>; with
    /// <paramref name="back"/> the VM goes the other way, from the destination host (where it now runs) to the source host,
    /// on port <see cref="MigrationPort"/> + 1 of the source host. Its image holds the same kind of contents, from the next seed. A
    /// <paramref name="timeline"/> samples the engine's progress on the network's clock.
    /// </summary>
    public static async Task<MemoryTimeline> RunAsync(ScenarioOptions options, ScenarioTopology net, VmDeviceState deviceState,
        MigrationMoments moments, bool back, CancellationToken cancellationToken = default, ScenarioTimeline? timeline = null)
    {
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        var sim = net.Sim;
        var clock = sim.Clock;
        var start = clock.GetUtcNow();
        DateTimeOffset? pausedAt = null, releasedAt = null, rolledBackAt = null;
        using var image = new MemoryImage(options.MemoryBytes);
        RealisticContent.Fill(image, options.Seed + (back ? 1 : 0), ContentProfile.Typical);
        await using var link = back
            ? new TcpPagePath(net, net.DestinationHostTcp, net.SourceHostTcp, SourceHostAddress, MigrationPort + 1, StreamTcp)
            : new TcpPagePath(net, net.SourceHostTcp, net.DestinationHostTcp, DestinationHostAddress, MigrationPort, StreamTcp);
        var workload = new CoupledWorkloadControl(
            new VirtualWorkloadControl(MigrationBench.CreateWorkload(options.Workload, options.Seed), image, clock),
            () => { pausedAt = clock.GetUtcNow(); moments.Paused(); },
            () => { rolledBackAt = clock.GetUtcNow(); moments.RolledBack(); });
        var source = new PreCopySource(image, MigrationBench.CreatePolicy(options.Policy), workload, clock, new SourceOptions
        {
            Channels = options.Channels,
            Encoder = EncoderFor(options),
            DeviceState = deviceState.ToArray(),
            TransportName = $"testbed TCP across the WAN ({PathModel.DescribeBandwidth(options.WanBitsPerSecond)}, {options.WanLatency.TotalMilliseconds:0.###} ms"
                + $"{(options.WanLoss > 0 ? $", {options.WanLoss:0.###%} loss" : "")}), virtual time",
            SingleThreaded = true,
            Released = () => { releasedAt = clock.GetUtcNow(); moments.Released(); },
        });
        var destination = new MigrationDestination(new DestinationOptions
        {
            Clock = clock,
            SingleThreaded = true,
            // The first octet of every page goes wrong as it is applied, so the digest check refuses the image
            // whichever pages the workload and the rounds happen to send (one chosen page may never be sent, or be
            // sent again and so healed).
            AfterPageApplied = options.FailVerification ? (_, page) => page[0] ^= 0xFF : null,
            Verified = moments.Verified,
            ResumeVm = _ => { moments.Resumed(); return Task.CompletedTask; },
        });

        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watch = timeline?.WatchMigration(clock, () => source.Progress);
        var (migrating, receiving) = await Task.Run(() => Drive(sim, source, destination, link, giveUp, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        var report = await migrating.ConfigureAwait(false);
        return await FinishAsync(report, receiving, link, back ? DestinationHostAddress : SourceHostAddress,
            pausedAt - start, releasedAt - start, rolledBackAt - start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One migration's timeline once its source is done: the destination's result awaited (cancelled only if the run
    /// was not), its device state read, its digest compared with the source's, and the page-stream connections from
    /// <paramref name="from"/>. The destination's image is released.
    /// </summary>
    internal static async Task<MemoryTimeline> FinishAsync(MigrationReport report, Task<DestinationResult> receiving, TcpPagePath link,
        Ipv4Address from, TimeSpan? paused, TimeSpan? released, TimeSpan? rolledBack, CancellationToken cancellationToken)
    {
        DestinationResult? result;
        try
        {
            result = await receiving.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = null;
        }

        try
        {
            VmDeviceState? received = null;
            string? error = result is { Committed: false } ? result.Message : null;
            if (result is { Committed: true })
            {
                if (VmDeviceState.TryParse(result.DeviceState, out var state, out _, out var parseError)) received = state;
                else error = $"device state record: {parseError.Describe()}";
            }
            return new MemoryTimeline
            {
                Report = report,
                Paused = paused,
                Released = released,
                RolledBack = rolledBack,
                DigestVerified = report.Completed && result is { Committed: true } && result.Digest.ToString() == report.Digest,
                DeviceState = received,
                DestinationError = error,
                Connections = [.. link.Channels.Where(c => c.Connection.LocalAddress == from).Select(c => c.Connection)],
            };
        }
        finally
        {
            result?.Image?.Dispose();
        }
    }

    /// <summary>
    /// Runs the migration to its end on the network's loop. Both sides run inline: each call returns at the engine's first
    /// wait on the network, and the simulation runs the rest, the engine's steps among its events. It runs on a thread of
    /// the pool, with no synchronization context (a test framework's would make every continuation leave the loop).
    /// </summary>
    private static (Task<MigrationReport> Migrating, Task<DestinationResult> Receiving) Drive(Simulation sim, PreCopySource source,
        MigrationDestination destination, TcpPagePath link, CancellationTokenSource giveUp, CancellationToken cancellationToken)
    {
        var receiving = destination.ReceiveAsync(link, giveUp.Token);
        var migrating = source.MigrateAsync(link, cancellationToken);
        while (!migrating.IsCompleted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sim.RunFor(Step);
        }
        var limit = sim.Now + DestinationBound;
        while (!receiving.IsCompleted && sim.Now < limit) sim.RunFor(Step);
        // A source that rolled back may leave the destination waiting for a stream that never ends.
        if (!receiving.IsCompleted) CancelHere(giveUp);
        sim.RunUntilIdle();
        return (migrating, receiving);
    }

    /// <summary>Cancels on this thread, the network's: the destination's callbacks run here, before the loop goes on.</summary>
    private static void CancelHere(CancellationTokenSource source) => source.Cancel();

    /// <summary>The page encoder the compression setting stands for; the encoder is told the WAN's speed, so it compresses only where that pays.</summary>
    internal static PageEncoderOptions EncoderFor(ScenarioOptions options)
    {
        var adaptive = new PageEncoderOptions { LinkBytesPerSecond = (long)(options.WanBitsPerSecond / 8), EncoderCores = options.Channels };
        return options.Compression switch
        {
            PageCompression.Auto => MigrationBench.EncoderOptions(options.Policy, options.WanBitsPerSecond, options.Channels),
            PageCompression.Off => PageEncoderOptions.Uncompressed,
            PageCompression.Lz4 => adaptive with { AllowedEncodings = WithCompressor(PageEncoding.Lz4) },
            PageCompression.Zstd => adaptive with { AllowedEncodings = WithCompressor(PageEncoding.Zstd) },
            PageCompression.Deflate => adaptive with { AllowedEncodings = WithCompressor(PageEncoding.Deflate) },
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Compression, "not a compression setting"),
        };
    }

    private static PageEncoding[] WithCompressor(PageEncoding compressor) =>
        [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta, compressor];
}
