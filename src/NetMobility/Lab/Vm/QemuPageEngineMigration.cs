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
/// <see cref="QemuMigrationMode.PageEngine"/>: the project's page engine moves the guest's RAM between the two QEMUs'
/// shared RAM files, and QEMU moves only its device state (<c>x-ignore-shared</c> on both sides).
/// <list type="number">
/// <item>The source engine reads a read-only shared mapping of the source's RAM file (no copy of the RAM); the destination
/// engine writes received pages in place into a writable shared mapping of the destination's file (that QEMU waits with
/// <c>-incoming defer</c>).</item>
/// <item>Pre-copy with the engine's policy and codecs while the guest runs; dirty pages by comparison with what was last
/// sent (<see cref="DirtyTracking.Compare"/>: the guest's writes mark nothing here).</item>
/// <item>Switchover: QMP <c>stop</c> at the source, the last scan, the last pages, then QEMU's device state straight from
/// QEMU to QEMU over the namespace's loopback; the destination engine checks the image digest and answers ready; commit;
/// <c>cont</c> at the destination.</item>
/// <item>Any failure before commit resumes the guest at the source (<c>cont</c>, then <c>announce-self</c> so the bridge
/// learns its port again) and quits the destination QEMU.</item>
/// </list>
/// QEMU's device stream does not travel inside the engine's device-state record: that record is one frame of at most
/// 64 KiB (docs/page-stream.md), and QEMU's device state is a few hundred KB.
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
        await source.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
        await destination.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
        await destination.MigrateIncomingAsync(uri).ConfigureAwait(false);

        using var image = MapOrThrow(from, writable: false);
        var (listener, connector, transportName) = OpenTransport(source, destination, uri, options, timeout);
        await using var _ = listener;
        Exception? resumeFailure = null;
        var receiver = new MigrationDestination(new DestinationOptions
        {
            CreateImage = size => MemoryImage.MapShared(to, writable: true),
            AfterPageApplied = options.AfterPageApplied,
            ResumeVm = async cancellationToken =>
            {
                try
                {
                    await destination.ContAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is LabException or OperationCanceledException)
                {
                    resumeFailure = ex;
                }
            },
        });
        using var giveUp = new CancellationTokenSource();
        var receiving = receiver.ReceiveAsync(listener, giveUp.Token);
        var engine = new PreCopySource(image, options.Policy?.Invoke() ?? new AdaptivePolicy(), new QemuWorkloadControl(source), TimeProvider.System, new SourceOptions
        {
            Channels = options.Channels,
            Encoder = options.WanBitsPerSecond is double wan
                ? new() { EncoderCores = options.Channels, LinkBytesPerSecond = (long)(wan / 8) }
                : new() { EncoderCores = options.Channels },
            TransportName = transportName,
            DirtyTracking = DirtyTracking.Compare,
            ReadyTimeout = timeout,
            HypervisorSwitchover = async cancellationToken =>
            {
                options.BeforeDeviceState?.Invoke();
                int sourceEvents = source.Qmp.EventCount;
                await source.MigrateAsync(uri).ConfigureAwait(false);
                // Done when the destination has loaded the state (it stays paused until cont: the source was paused when the
                // stream began), failed when either end says so. Events only: QEMU's figures are read after the guest runs.
                // The wait that loses is called off, so that it does not end later as an unobserved failure.
                using var settled = new CancellationTokenSource();
                var failed = source.Qmp.WaitForEventAsync("MIGRATION", timeout, e => Status(e) is "failed" or "cancelled", sourceEvents, settled.Token);
                var loaded = destination.Qmp.WaitForEventAsync("MIGRATION", timeout, e => Status(e) is "completed" or "failed", destinationMark, settled.Token);
                try
                {
                    if (await Task.WhenAny(failed, loaded).ConfigureAwait(false) == failed)
                    {
                        await failed.ConfigureAwait(false);
                        var stats = await source.QueryMigrateAsync().ConfigureAwait(false);
                        throw new LabException($"QEMU's device state did not move: {stats.Status}: {stats.Error}");
                    }
                    if (Status(await loaded.ConfigureAwait(false)) != "completed") throw new LabException($"{destination}: loading QEMU's device state failed");
                }
                finally
                {
                    await settled.CancelAsync().ConfigureAwait(false);
                }
            },
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
        if (resumeFailure is not null) throw new LabException($"{destination}: the guest was handed over but did not resume: {resumeFailure.Message}");
        var resumed = await destination.WaitForResumeAsync(timeout, destinationMark).ConfigureAwait(false);
        var total = Stopwatch.GetElapsedTime(started);
        var stop = source.Qmp.Events.Skip(sourceMark).FirstOrDefault(e => e.Name == "STOP")
            ?? throw new LabException($"{source}: no STOP event during the migration");
        return new QemuMigrationResult(mode, qemu, resumed.Timestamp - stop.Timestamp, total, TimeSpan.FromMilliseconds(report.TotalTimeMs), report.WireBytes, report);
    }

    /// <summary>A MIGRATION event's status (completed, failed ...).</summary>
    internal static string? Status(QmpEvent e) =>
        e.Data.ValueKind == System.Text.Json.JsonValueKind.Object && e.Data.TryGetProperty("status", out var status) ? status.GetString() : null;

    private static MemoryImage MapOrThrow(string path, bool writable)
    {
        try
        {
            return MemoryImage.MapShared(path, writable);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            throw new LabException(ex.Message);
        }
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
        if (await source.QueryStatusAsync().ConfigureAwait(false) != "running") await source.ContAsync().ConfigureAwait(false);
        // The destination QEMU may have announced the guest's MAC on its own port when it loaded the device state.
        await source.AnnounceSelfAsync(initialMs: 1, maxMs: 100, rounds: 3, stepMs: 50).ConfigureAwait(false);
        await destination.QuitAsync(timeout).ConfigureAwait(false);
    }
}
