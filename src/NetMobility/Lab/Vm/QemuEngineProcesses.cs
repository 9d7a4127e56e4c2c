using System.Globalization;
using System.Net;
using NetMobility.Migration.Reports;
using NetMobility.Migration.Transports;

namespace NetMobility.Lab.Vm;

/// <summary>
/// <see cref="QemuMigrationMode.PageEngine"/> in two processes: <c>netmob migrate receive --qemu</c> in the destination QEMU's
/// namespace (listening on the migration address's host, any free port) and <c>netmob migrate send --qemu</c> in the source's,
/// each driving its QEMU through the QEMU's second monitor (<see cref="QemuGuest.ControlSocket"/>), the page stream between
/// them over TCP along QEMU's own path. This process only watches: its own monitors see the STOP and RESUME that bound the
/// pause, and it reads the sender's report (<c>--json</c> on standard output). A sender that did not hand the guest over has
/// resumed it at the source (exit 1) or never paused it (exit 2); either way the guest is made to run there and the
/// destination QEMU quits, as in one process.
/// </summary>
internal static class QemuEngineProcesses
{
    public static async Task<QemuMigrationResult> RunAsync(QemuGuest source, QemuGuest destination, string uri, TimeSpan timeout, QemuMigrationOptions options,
        IReadOnlyList<string> netmob, (string From, string To) ram, (int Source, int Destination, long Started) marks)
    {
        const QemuMigrationMode mode = QemuMigrationMode.PageEngine;
        if (options.AfterPageApplied is not null || options.BeforeDeviceState is not null || options.Transport != EngineTransport.Tcp)
            throw new LabException($"{mode.Name()} in two processes: page hooks and the in-memory transport need both ends in this process");
        var address = QemuRelayMigration.TcpEndpoint(uri, mode).Address;
        string seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        using var receiver = Start(destination,
        [
            .. netmob, "migrate", "receive", "--listen", $"{address}:0", "--qemu", destination.ControlSocket, "--ram", ram.To,
            "--qemu-socket", QemuRelayMigration.SocketPath(destination, "in"), "--idle-timeout", seconds, "--json",
        ]);
        await receiver.WaitForOutputAsync(ListeningLine, timeout).ConfigureAwait(false);
        var listening = ListeningOn(receiver);
        source.MarkMigration();
        List<string> send =
        [
            .. netmob, "migrate", "send", "--to", listening.ToString(), "--qemu", source.ControlSocket, "--ram", ram.From,
            "--qemu-socket", QemuRelayMigration.SocketPath(source, "out"), "--channels", options.Channels.ToString(CultureInfo.InvariantCulture),
            "--timeout", seconds, "--connect-timeout", seconds, "--json",
        ];
        if (options.WanBitsPerSecond is double wan) send.AddRange(["--link", wan.ToString("0", CultureInfo.InvariantCulture)]);
        if (options.Policy is { } policy) send.AddRange(["--policy", policy().Name]);
        using var sender = Start(source, [.. send]);
        int sent = await sender.WaitForExitAsync(2 * timeout).ConfigureAwait(false);
        // A receiver whose source gave up waits for it to come back (its idle timeout): once the sender has said how it
        // ended, the receiver has a short while to say its own, and is stopped after that.
        int? received;
        try
        {
            received = await receiver.WaitForExitAsync(sent == 0 ? timeout : ReceiverGrace).ConfigureAwait(false);
        }
        catch (LabException) when (sent != 0)
        {
            received = null;
        }
        var report = Report(sender);
        if (sent != 0 || received != 0 || report is not { Completed: true })
        {
            // A sender that failed midway has resumed the guest (cont); one that could not start never stopped it. Either way
            // it runs here, and the destination QEMU, which may have loaded the device state, must not.
            await source.ResumeHereAsync().ConfigureAwait(false);
            await destination.QuitAsync(timeout).ConfigureAwait(false);
            throw new QemuMigrationRolledBackException(
                $"{source} -> {destination.Options.Name}: {mode.Name()} in two processes did not move the guest: sender exit {sent} ({sender.LastLine()}), receiver {(received is { } r ? $"exit {r}" : "stopped")} ({receiver.LastLine()})",
                report);
        }
        var qemu = await source.WaitForMigrationAsync(timeout).ConfigureAwait(false);
        var (paused, wall) = await QemuMigration.ResumedAsync(source, destination, marks.Source, marks.Destination, marks.Started, timeout).ConfigureAwait(false);
        // The migration's own time runs from the engine's start (the source's STOP less the engine's time to it, on QEMU's
        // clock) to the destination's RESUME; what came before (the processes, their warm-up, the connections) is setup.
        var stop = source.Qmp.Events.Skip(marks.Source).First(e => e.Name == "STOP").Timestamp;
        var resumed = destination.Qmp.Events.Skip(marks.Destination).First(e => e.Name == "RESUME").Timestamp;
        var engineStarted = stop - TimeSpan.FromMilliseconds(report.Switchover?.PausedAtMs ?? 0);
        var total = resumed - engineStarted;
        return new QemuMigrationResult(mode, qemu, paused, total, TimeSpan.FromMilliseconds(report.TotalTimeMs), report.WireBytes, report)
        {
            Setup = wall - total,
        };
    }

    /// <summary>How long a receiver may take to end once its sender has failed.</summary>
    private static readonly TimeSpan ReceiverGrace = TimeSpan.FromSeconds(10);

    /// <summary>What <c>netmob migrate receive</c> prints on standard error once it listens: "listening on ADDR:PORT".</summary>
    private const string ListeningLine = "listening on ";

    private static IPEndPoint ListeningOn(LabProcess receiver)
    {
        string line = receiver.Output.Split('\n').First(l => l.Contains(ListeningLine, StringComparison.Ordinal));
        string text = line[(line.IndexOf(ListeningLine, StringComparison.Ordinal) + ListeningLine.Length)..].Trim();
        return IPEndPoint.TryParse(text, out var endpoint) ? endpoint : throw new LabException($"{receiver.Description}: '{line.Trim()}' names no ADDR:PORT");
    }

    /// <summary>The sender's report (JSON on its standard output), or null when it printed none.</summary>
    private static MigrationReport? Report(LabProcess sender)
    {
        string json = sender.StandardOutput.Trim();
        if (json.Length == 0) return null;
        try
        {
            return ReportJson.Deserialize(json);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new LabException($"{sender.Description}: its report is not JSON: {ex.Message}");
        }
    }

    private static LabProcess Start(QemuGuest guest, string[] command) => guest.Options.Namespace is { } space
        ? space.Start(command)
        : new LabProcess(CommandRunner.Describe(command[0], command[1..]), CommandRunner.Start(command[0], command[1..]));
}
