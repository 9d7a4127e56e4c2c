using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using NetMobility.Migration.Relay;
using NetMobility.Migration.Transports;

namespace NetMobility.Lab.Vm;

/// <summary>
/// <see cref="QemuMigrationMode.QemuRelay"/>: QEMU's own migration, its stream carried between the hosts by the project's
/// hypervisor stream relay (docs/page-stream.md sec 9) in place of QEMU's own TCP connection.
/// <list type="number">
/// <item>The destination QEMU (<c>-incoming defer</c>) listens on a Unix socket (<c>migrate-incoming unix:PATH</c>); the
/// relay's receiver listens at the migration address QEMU would have used (the <c>tcp:HOST:PORT</c> given), in the
/// destination QEMU's namespace, and writes what it receives into that Unix socket.</item>
/// <item>The source QEMU migrates to a Unix socket this process listens on (<c>migrate unix:PATH</c>); the relay's sender
/// reads it and carries it, from the source QEMU's namespace, over TCP (mutual TLS with
/// <see cref="QemuMigrationOptions.RelayTls"/>) to the receiver, reconnecting and resuming after a cut.</item>
/// <item>Done as in <see cref="QemuMigrationMode.Qemu"/>: the destination's MIGRATION completed event, then its RESUME
/// (it starts the guest by itself: the source was running when the stream began).</item>
/// <item>When the relay fails for good (or either QEMU says the migration failed) before the destination has loaded the
/// stream, the relay's sockets are closed (the source's <c>migrate</c> fails), the destination QEMU is quit first (so that
/// it never starts the guest), then the guest is resumed at the source if it stopped and announced there
/// (<c>announce-self</c>), and <see cref="QemuMigrationRolledBackException"/> is thrown.</item>
/// </list>
/// </summary>
internal static class QemuRelayMigration
{
    public static async Task<QemuMigrationResult> RunAsync(QemuGuest source, QemuGuest destination, string uri, TimeSpan timeout, QemuMigrationOptions options)
    {
        const QemuMigrationMode mode = QemuMigrationMode.QemuRelay;
        var endpoint = TcpEndpoint(uri, mode);
        // A process that arrived by another mode may have x-ignore-shared on: QEMU's own migration carries the RAM.
        if (source.Options.SharedMemoryPath is not null)
            await source.SetMigrationCapabilitiesAsync(("x-ignore-shared", false)).ConfigureAwait(false);
        string outgoing = SocketPath(source, "out"), incoming = SocketPath(destination, "in");
        int sourceMark = source.Qmp.EventCount, destinationMark = destination.Qmp.EventCount;
        var started = Stopwatch.GetTimestamp();
        await destination.MigrateIncomingAsync($"unix:{incoming}").ConfigureAwait(false);

        await using var listener = Listen(destination, endpoint, options.RelayTls);
        string? sourceNetns = source.Options.Namespace?.Name;
        var connector = new TcpChannelConnector(options.RelayRoute?.Invoke(listener.LocalEndPoint) ?? listener.LocalEndPoint, options.RelayTls, timeout)
        {
            OpenSocket = family => NetnsScope.Run(sourceNetns, () => new Socket(family, SocketType.Stream, ProtocolType.Tcp)),
        };
        using var intake = UnixSockets.Listen(outgoing);
        using var toDestination = await UnixSockets.ConnectAsync(incoming, destination.ToString(), timeout).ConfigureAwait(false);
        var hypervisor = PipeWriter.Create(new NetworkStream(toDestination, ownsSocket: false));
        using var relayStop = new CancellationTokenSource();
        try
        {
            var receiving = new HypervisorStreamReceiver(options.Relay).ReceiveAsync(listener, hypervisor, relayStop.Token);
            var sending = SendAsync(intake, connector, options.Relay, timeout, relayStop.Token);
            await source.MigrateAsync($"unix:{outgoing}").ConfigureAwait(false);

            var loaded = destination.Qmp.WaitForEventAsync("MIGRATION", timeout, e => QemuEvents.Status(e) is "completed" or "failed", destinationMark, relayStop.Token);
            var sourceFailed = source.Qmp.WaitForEventAsync("MIGRATION", timeout, e => QemuEvents.Status(e) is "failed" or "cancelled", sourceMark, relayStop.Token);
            var relayed = BothAsync(sending, receiving);
            string? failure = await RelayOutcomeAsync(relayed, loaded, sourceFailed, source, destination, hypervisor, toDestination, timeout).ConfigureAwait(false);
            if (failure is not null)
            {
                await relayStop.CancelAsync().ConfigureAwait(false);
                toDestination.Dispose();
                intake.Dispose();
                await DrainAsync(relayed).ConfigureAwait(false);
                await RollBackAsync(source, destination, timeout).ConfigureAwait(false);
                throw new QemuMigrationRolledBackException($"{source} -> {destination.Options.Name}: {mode} failed: {failure}", null);
            }
            RelaySent sent;
            try
            {
                // The destination has loaded the whole stream: the relay's end and its ack are all that can still be on the way.
                await relayed.WaitAsync(timeout).ConfigureAwait(false);
                sent = await sending.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
                throw new LabException($"{destination}: the guest arrived, but the relay did not end cleanly: {ex.Message}");
            }
            var stats = await source.WaitForMigrationAsync(timeout).ConfigureAwait(false);
            if (!stats.Completed) throw new LabException($"{source} -> {destination.Options.Name}: migration {stats.Status}: {stats.Error}");
            var (paused, total) = await QemuMigration.ResumedAsync(source, destination, sourceMark, destinationMark, started, timeout).ConfigureAwait(false);
            return new QemuMigrationResult(mode, stats, paused, total, TimeSpan.Zero, 0, Relay: sent);
        }
        finally
        {
            await relayStop.CancelAsync().ConfigureAwait(false);
            File.Delete(outgoing);
            File.Delete(incoming);
        }
    }

    /// <summary>How long a source QEMU's failure waits for the relay's own reason before QEMU's is reported.</summary>
    private static readonly TimeSpan RelayVerdictGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits for the first word on the migration: null when the destination QEMU has loaded the whole stream, else why it
    /// failed (the relay gave up, either QEMU said failed, or the destination's QMP went away). When the relay ends first
    /// and well, the destination's socket is closed behind the stream and the destination has the last word.
    /// </summary>
    private static async Task<string?> RelayOutcomeAsync(Task relayed, Task<QmpEvent> loaded, Task<QmpEvent> sourceFailed, QemuGuest source, QemuGuest destination,
        PipeWriter hypervisor, Socket toDestination, TimeSpan timeout)
    {
        try
        {
            var first = await Task.WhenAny(relayed, loaded, sourceFailed).WaitAsync(timeout).ConfigureAwait(false);
            if (first == sourceFailed)
            {
                // The source's stream breaks when the relay gives up and closes it, so QEMU may say so first: the relay's
                // own reason, if it has one by now, names the cause; QEMU's broken pipe is only its echo.
                try { await relayed.WaitAsync(RelayVerdictGrace).ConfigureAwait(false); }
                catch (Exception) when (!relayed.IsCompletedSuccessfully) { }
                if (relayed.Exception?.InnerException is { } cause) return cause.Message;
                var stats = await source.QueryMigrateAsync().ConfigureAwait(false);
                return $"{source}: QEMU's migration {stats.Status}: {stats.Error}";
            }
            if (first == relayed)
            {
                if (relayed.Exception?.InnerException is { } relayFailure) return relayFailure.Message;
                await hypervisor.CompleteAsync().ConfigureAwait(false);
                toDestination.Shutdown(SocketShutdown.Send);
            }
            var verdict = await loaded.ConfigureAwait(false);
            return QemuEvents.Status(verdict) == "completed" ? null : $"{destination}: loading QEMU's stream failed";
        }
        catch (TimeoutException)
        {
            return $"no outcome within {timeout.TotalSeconds:0.#} s";
        }
        catch (Exception ex) when (ex is LabException or IOException or SocketException)
        {
            return ex.Message;
        }
    }

    /// <summary>Done when both ends are, failed as soon as either fails (the other may wait for a connection that will not come).</summary>
    private static async Task BothAsync(Task sending, Task receiving)
    {
        var first = await Task.WhenAny(sending, receiving).ConfigureAwait(false);
        await first.ConfigureAwait(false);
        await (first == sending ? receiving : sending).ConfigureAwait(false);
    }

    /// <summary>Takes the source QEMU's connection on its Unix socket and relays what it sends; the socket is closed when the relay ends.</summary>
    private static async Task<RelaySent> SendAsync(Socket intake, IChannelConnector connector, RelayOptions relay, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Socket qemu;
        try
        {
            qemu = await intake.AcceptAsync(cancellationToken).AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new HypervisorStreamRelayException($"hypervisor stream relay: the source QEMU did not connect within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            throw new HypervisorStreamRelayException($"hypervisor stream relay: accepting the source QEMU's stream: {ex.Message}");
        }
        await using var stream = new NetworkStream(qemu, ownsSocket: true);
        return await new HypervisorStreamSender(relay).SendAsync(stream, connector, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the relay's two ends to stop, whatever they say: the migration's outcome is already decided.</summary>
    private static async Task DrainAsync(Task relayed)
    {
        try
        {
            await relayed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Quits the destination QEMU before anything else (it would start the guest by itself once its stream completed),
    /// then makes sure the guest runs at the source and announces it there.
    /// </summary>
    private static async Task RollBackAsync(QemuGuest source, QemuGuest destination, TimeSpan timeout)
    {
        await destination.QuitAsync(timeout).ConfigureAwait(false);
        try
        {
            // The source's migrate fails now that its socket is closed (or completed, if it had written all of its stream).
            await source.WaitForMigrationAsync(timeout).ConfigureAwait(false);
        }
        catch (LabException)
        {
            // Its state is asked for below either way.
        }
        if (await source.QueryStatusAsync().ConfigureAwait(false) != "running") await source.ContAsync().ConfigureAwait(false);
        await source.AnnounceSelfAsync(initialMs: 1, maxMs: 100, rounds: 3, stepMs: 50).ConfigureAwait(false);
    }

    /// <summary>The address and port of QEMU's migration address <c>tcp:ADDRESS:PORT</c>, which <paramref name="mode"/> needs.</summary>
    internal static IPEndPoint TcpEndpoint(string uri, QemuMigrationMode mode)
    {
        string[] parts = uri.Split(':');
        if (parts.Length != 3 || parts[0] != "tcp" || !IPAddress.TryParse(parts[1], out var address)
            || !ushort.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
            throw new LabException($"{mode.Name()}: '{uri}' is not a migration address tcp:ADDRESS:PORT");
        return new IPEndPoint(address, port);
    }

    internal static string SocketPath(QemuGuest guest, string direction)
    {
        return UnixSockets.CheckPath(Path.Combine(guest.Options.WorkDirectory, $"{guest.Options.Name}.migrate-{direction}.sock"));
    }

    private static TcpChannelListener Listen(QemuGuest destination, IPEndPoint endpoint, TlsOptions? tls)
    {
        try
        {
            return NetnsScope.Run(destination.Options.Namespace?.Name, () => new TcpChannelListener(endpoint, tls));
        }
        catch (SocketException ex)
        {
            throw new LabException($"{destination}: the relay cannot listen on {endpoint}: {ex.Message}");
        }
    }
}
