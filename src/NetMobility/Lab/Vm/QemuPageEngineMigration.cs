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
        await source.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
        await destination.SetMigrationCapabilitiesAsync(("x-ignore-shared", true)).ConfigureAwait(false);
        string outgoing = QemuRelayMigration.SocketPath(source, "out"), incoming = QemuRelayMigration.SocketPath(destination, "in");
        try
        {
            await destination.MigrateIncomingAsync($"unix:{incoming}").ConfigureAwait(false);
            using var intake = QemuRelayMigration.ListenUnix(outgoing);
            return await MigrateAsync(source, destination, uri, timeout, options, (from, to), (intake, outgoing, incoming), sourceMark, destinationMark, started)
                .ConfigureAwait(false);
        }
        finally
        {
            File.Delete(outgoing);
            File.Delete(incoming);
        }
    }

    /// <summary>The migration proper, once the destination QEMU listens on <paramref name="sockets"/>' incoming path and this process on the outgoing one.</summary>
    private static async Task<QemuMigrationResult> MigrateAsync(QemuGuest source, QemuGuest destination, string uri, TimeSpan timeout, QemuMigrationOptions options,
        (string From, string To) ram, (Socket Intake, string Outgoing, string Incoming) sockets, int sourceMark, int destinationMark, long started)
    {
        const QemuMigrationMode mode = QemuMigrationMode.PageEngine;
        var (from, to) = ram;
        var (intake, outgoing, incoming) = sockets;
        using var image = MapOrThrow(from, writable: false);
        var (listener, connector, transportName) = OpenTransport(source, destination, uri, options, timeout);
        await using var _ = listener;
        Exception? resumeFailure = null;
        var receiver = new MigrationDestination(new DestinationOptions
        {
            CreateImage = size => MemoryImage.MapShared(to, writable: true),
            AfterPageApplied = options.AfterPageApplied,
            LoadDeviceState = (state, cancellationToken) => LoadDeviceStateAsync(destination, incoming, state, destinationMark, timeout, cancellationToken),
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
            CaptureDeviceState = cancellationToken => CaptureDeviceStateAsync(source, intake, outgoing, timeout, options, cancellationToken),
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

    /// <summary>The most a QEMU device state may hold here: the destination engine's own bound.</summary>
    private const long MaxDeviceState = NetMobility.Migration.PageStream.ForwardStreamHandler.DefaultMaxDeviceStateLength;

    /// <summary>
    /// With the source paused and the RAM sent: the source QEMU migrates (only its device state, <c>x-ignore-shared</c>)
    /// to the Unix socket at <paramref name="outgoing"/>; answers every octet it wrote once it says the migration completed.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>> CaptureDeviceStateAsync(QemuGuest source, Socket intake, string outgoing, TimeSpan timeout,
        QemuMigrationOptions options, CancellationToken cancellationToken)
    {
        options.BeforeDeviceState?.Invoke();
        int sourceEvents = source.Qmp.EventCount;
        using var settled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = source.Qmp.WaitForEventAsync("MIGRATION", timeout, e => Status(e) is "completed" or "failed" or "cancelled", sourceEvents, settled.Token);
        var reading = ReadStreamAsync(intake, source, timeout, settled.Token);
        try
        {
            await source.MigrateAsync($"unix:{outgoing}").ConfigureAwait(false);
            // QEMU closes its end once it has written the stream, and says how its migration ended: both are awaited.
            var first = await Task.WhenAny(reading, finished).ConfigureAwait(false);
            if (first == finished && Status(await finished.ConfigureAwait(false)) != "completed") await ThrowNotMovedAsync(source).ConfigureAwait(false);
            var state = await reading.ConfigureAwait(false);
            if (Status(await finished.ConfigureAwait(false)) != "completed") await ThrowNotMovedAsync(source).ConfigureAwait(false);
            return state;
        }
        finally
        {
            // The wait that lost is called off and observed, so that it does not end later as an unobserved failure.
            await settled.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(reading, finished).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static async Task ThrowNotMovedAsync(QemuGuest source)
    {
        var stats = await source.QueryMigrateAsync().ConfigureAwait(false);
        throw new LabException($"{source}: QEMU's device state did not come out: {stats.Status}: {stats.Error}");
    }

    /// <summary>Takes the source QEMU's connection on the Unix socket and reads its stream to the end (bounded in size and time).</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadStreamAsync(Socket intake, QemuGuest source, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            using var qemu = await intake.AcceptAsync(bound.Token).ConfigureAwait(false);
            var state = new System.Buffers.ArrayBufferWriter<byte>(256 << 10);
            while (true)
            {
                int read = await qemu.ReceiveAsync(state.GetMemory(64 << 10), SocketFlags.None, bound.Token).ConfigureAwait(false);
                if (read == 0) return state.WrittenMemory;
                state.Advance(read);
                if (state.WrittenCount > MaxDeviceState) throw new LabException($"{source}: QEMU's device state is larger than {MaxDeviceState >> 20} MiB");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LabException($"{source}: QEMU's device state did not come out within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            throw new LabException($"{source}: reading QEMU's device state: {ex.Message}");
        }
    }

    /// <summary>
    /// At the destination, the image verified: writes the device state into the destination QEMU's incoming socket and
    /// waits until QEMU says it loaded it (it stays paused until <c>cont</c>: the source was paused when its stream began).
    /// </summary>
    private static async Task LoadDeviceStateAsync(QemuGuest destination, string incoming, ReadOnlyMemory<byte> state, int destinationMark, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var socket = await QemuRelayMigration.ConnectUnixAsync(incoming, destination, timeout).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(state, SocketFlags.None, cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            throw new LabException($"{destination}: writing the device state into QEMU: {ex.Message}");
        }
        var verdict = await destination.Qmp.WaitForEventAsync("MIGRATION", timeout, e => Status(e) is "completed" or "failed", destinationMark, cancellationToken)
            .ConfigureAwait(false);
        if (Status(verdict) != "completed") throw new LabException($"{destination}: QEMU failed to load the device state");
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
