using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;

namespace NetMobility.Lab.Vm;

/// <summary>
/// <see cref="QemuMigrationMode.PageEngine"/>: the project's page engine moves the whole guest between the two QEMUs, in its
/// own connections: the RAM between their shared RAM files, and QEMU's device state (its migration stream with
/// <c>x-ignore-shared</c> on both sides, a few hundred KB) as the page stream's device state. No connection goes from QEMU
/// to QEMU.
/// <list type="number">
/// <item>The source engine reads a read-only shared mapping of the source's RAM file (no copy of the RAM); the destination
/// engine writes received pages in place into a writable shared mapping of the destination's file (that QEMU waits with
/// <c>-incoming defer</c>, then <c>migrate-incoming unix:PATH</c>).</item>
/// <item>Pre-copy with the engine's policy and codecs while the guest runs; dirty pages by comparison with what was last
/// sent (<see cref="DirtyTracking.Compare"/>: the guest's writes mark nothing here).</item>
/// <item>Switchover: QMP <c>stop</c> at the source, the last scan, the last pages; then the source QEMU migrates to a Unix
/// socket this process reads (<c>migrate unix:PATH</c>), and what it wrote goes as the engine's device state. The destination
/// engine checks the image digest, writes the device state into the destination QEMU's incoming socket and waits for its
/// MIGRATION completed event before it answers ready; commit; <c>cont</c> at the destination.</item>
/// <item>Any failure before commit (QEMU failing to write or to load the device state included) resumes the guest at the
/// source (<c>cont</c>, then <c>announce-self</c> so the bridge learns its port again) and quits the destination QEMU.</item>
/// </list>
/// </summary>
internal static class QemuPageEngineMigration
{
    public static async Task<QemuMigrationResult> RunAsync(QemuGuest source, QemuGuest destination, string uri, TimeSpan timeout, QemuMigrationOptions options)
    {
        const QemuMigrationMode mode = QemuMigrationMode.PageEngine;
        string from = source.Options.SharedMemoryPath ?? throw new LabException($"{source}: {mode} needs the guest's RAM on a shared file");
        string to = destination.Options.SharedMemoryPath ?? throw new LabException($"{destination}: {mode} needs the guest's RAM on a shared file");
        int sourceMark = source.Qmp.EventCount, destinationMark = destination.Qmp.EventCount;
        var started = Stopwatch.GetTimestamp();
        if (options.Netmob is { } netmob)
            return await QemuEngineProcesses.RunAsync(source, destination, uri, timeout, options, netmob, (from, to), (sourceMark, destinationMark, started)).ConfigureAwait(false);
        string outgoing = QemuRelayMigration.SocketPath(source, "out"), incoming = QemuRelayMigration.SocketPath(destination, "in");
        using var sourceEnd = await QemuSourceEnd.OpenAsync(source, from, outgoing, timeout).ConfigureAwait(false);
        sourceEnd.BeforeDeviceState = options.BeforeDeviceState;
        using var target = await QemuTargetEnd.OpenAsync(destination, to, incoming, timeout).ConfigureAwait(false);
        return await MigrateAsync(source, destination, uri, timeout, options, (sourceEnd, target), (sourceMark, destinationMark, started)).ConfigureAwait(false);
    }

    /// <summary>The migration proper, both ends open: the destination QEMU listens on its incoming socket and the source end on its outgoing one.</summary>
    private static async Task<QemuMigrationResult> MigrateAsync(QemuGuest source, QemuGuest destination, string uri, TimeSpan timeout, QemuMigrationOptions options,
        (QemuSourceEnd Source, QemuTargetEnd Target) ends, (int Source, int Destination, long Started) marks)
    {
        const QemuMigrationMode mode = QemuMigrationMode.PageEngine;
        var (sourceEnd, target) = ends;
        var (listener, connector, transportName) = OpenTransport(source, destination, uri, options, timeout);
        await using var _ = listener;
        var receiver = new MigrationDestination(target.Apply(new DestinationOptions { AfterPageApplied = options.AfterPageApplied }));
        using var giveUp = new CancellationTokenSource();
        var receiving = receiver.ReceiveAsync(listener, giveUp.Token);
        var engine = new PreCopySource(sourceEnd.Image, options.Policy?.Invoke() ?? new AdaptivePolicy(), sourceEnd.Control, TimeProvider.System, new SourceOptions
        {
            Channels = options.Channels,
            Encoder = options.WanBitsPerSecond is double wan
                ? new() { EncoderCores = options.Channels, LinkBytesPerSecond = (long)(wan / 8) }
                : new() { EncoderCores = options.Channels },
            TransportName = transportName,
            DirtyTracking = DirtyTracking.Compare,
            ReadyTimeout = timeout,
            CaptureDeviceState = sourceEnd.CaptureDeviceStateAsync,
        });

        MigrationReport report;
        try
        {
            report = await engine.MigrateAsync(connector).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LabException or InvalidOperationException)
        {
            // The engine could not even roll back through the workload control (QMP failed at the source): try once more.
            await giveUp.CancelAsync().ConfigureAwait(false);
            await DrainAsync(receiving).ConfigureAwait(false);
            await RollBackAsync(source, destination, timeout).ConfigureAwait(false);
            throw new QemuMigrationRolledBackException($"{source} -> {destination.Options.Name}: {mode} failed: {ex.Message}", null);
        }
        if (!report.Completed)
        {
            // The engine has already resumed the guest at the source (cont); the destination QEMU must not run it.
            await giveUp.CancelAsync().ConfigureAwait(false);
            await DrainAsync(receiving).ConfigureAwait(false);
            await RollBackAsync(source, destination, timeout).ConfigureAwait(false);
            throw new QemuMigrationRolledBackException($"{source} -> {destination.Options.Name}: {mode} rolled back: {report.Error}", report);
        }

        var received = await receiving.WaitAsync(timeout).ConfigureAwait(false);
        var qemu = await source.WaitForMigrationAsync(timeout).ConfigureAwait(false);
        received.Image?.Dispose();
        if (target.ResumeFailure is { } failure) throw new LabException($"{destination}: the guest was handed over but did not resume: {failure.Message}");
        var (paused, total) = await QemuMigration.ResumedAsync(source, destination, marks.Source, marks.Destination, marks.Started, timeout).ConfigureAwait(false);
        return new QemuMigrationResult(mode, qemu, paused, total, TimeSpan.FromMilliseconds(report.TotalTimeMs), report.WireBytes, report);
    }

    /// <summary>
    /// The page stream's path. Over TCP it takes the path QEMU's own stream takes: the destination engine listens in the
    /// destination QEMU's namespace on the address of <paramref name="uri"/> (another port), and the source engine's
    /// connections are opened in the source QEMU's namespace, so the pages cross the same links, WAN and shaping as
    /// the device state. In memory it is a pipe in this process, shaped to <see cref="QemuMigrationOptions.WanBitsPerSecond"/>
    /// when that is given.
    /// </summary>
    private static (IChannelListener Listener, IChannelConnector Connector, string Name) OpenTransport(QemuGuest source, QemuGuest destination, string uri, QemuMigrationOptions options, TimeSpan timeout)
    {
        if (options.Transport == EngineTransport.Memory)
        {
            double rate = options.WanBitsPerSecond ?? PathModel.MaxBitsPerSecond;
            var link = new InMemoryPath(new PathModel { BitsPerSecond = rate, VirtualTime = false }, TimeProvider.System);
            return (link, link, options.WanBitsPerSecond is null ? "memory pipe, real time" : $"memory {PathModel.DescribeBandwidth(rate)}, real time");
        }
        var endpoint = new IPEndPoint(QemuRelayMigration.TcpEndpoint(uri, QemuMigrationMode.PageEngine).Address, 0);
        TcpChannelListener tcp;
        try
        {
            tcp = NetnsScope.Run(destination.Options.Namespace?.Name, () => new TcpChannelListener(endpoint));
        }
        catch (SocketException ex)
        {
            throw new LabException($"{destination}: the page engine cannot listen on {endpoint}: {ex.Message}");
        }
        string? sourceNetns = source.Options.Namespace?.Name;
        var connector = new TcpChannelConnector(tcp.LocalEndPoint, connectTimeout: timeout)
        {
            OpenSocket = family => NetnsScope.Run(sourceNetns, () => new Socket(family, SocketType.Stream, ProtocolType.Tcp)),
        };
        return (tcp, connector, $"tcp {tcp.LocalEndPoint}");
    }

    /// <summary>Waits for the destination engine to give up, whatever it says: the migration's outcome is already decided.</summary>
    private static async Task DrainAsync(Task<DestinationResult> receiving)
    {
        try
        {
            var result = await receiving.ConfigureAwait(false);
            if (result.Committed) result.Image?.Dispose();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Makes sure the guest runs at the source and announces it there; quits the destination QEMU.</summary>
    private static async Task RollBackAsync(QemuGuest source, QemuGuest destination, TimeSpan timeout)
    {
        await source.ResumeHereAsync().ConfigureAwait(false);
        await destination.QuitAsync(timeout).ConfigureAwait(false);
    }
}
