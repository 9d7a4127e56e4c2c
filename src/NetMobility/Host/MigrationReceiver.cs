using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NetMobility.Lab;
using NetMobility.Lab.Vm;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Transports;

namespace NetMobility.Host;

/// <summary>
/// The migration receiver as a role of the agent daemon (<see cref="MigrationReceiverSpec"/>): the destination of
/// <c>netmob migrate receive</c> on one listening socket, one migration after another until the daemon stops. Each is
/// logged (1600 committed, 1601 refused) and counted in the status; a committed image is written to the output folder,
/// and when the section names a hosted VM, that VM is attached here (<paramref name="attach"/>, on the node's loop), so
/// that its announcement and registration follow as after any move. With a <c>qemu</c> target (<see cref="QemuTargetSpec"/>)
/// each migration goes into the QEMU waiting at its QMP socket (<c>-incoming defer</c>, its RAM on the shared file named):
/// the receiver takes the next migration only once such a QEMU is there (it looks every second and logs 1605 while it
/// waits, 1606 when one is ready); pages go in place into the RAM file, QEMU loads the device state before ready, and
/// commit resumes the guest there (<c>cont</c>). A QEMU takes one guest: the next migration waits for the next QEMU.
/// </summary>
public sealed class MigrationReceiver : IAsyncDisposable
{
    private readonly MigrationReceiverSpec _spec;
    private readonly TcpChannelListener _listener;
    private readonly Func<string, Task<string?>> _attach;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _running;
    private int _committed, _refused;
    private bool _receiving;
    private string? _last, _qemuState;

    private MigrationReceiver(MigrationReceiverSpec spec, TcpChannelListener listener, Func<string, Task<string?>> attach, ILogger log)
    {
        _spec = spec;
        _listener = listener;
        _attach = attach;
        _log = log;
    }

    /// <summary>Opens the listening socket (a refusal, such as a port in use, is a <see cref="LinkOpenException"/> with one line) and starts receiving.</summary>
    public static MigrationReceiver Start(MigrationReceiverSpec spec, Func<string, Task<string?>> attach, ILogger log)
    {
        TcpChannelListener listener;
        try
        {
            listener = new TcpChannelListener(spec.Listen, spec.Tls) { Refused = message => AgentLog.MigrationConnectionRefused(log, message) };
        }
        catch (SocketException ex)
        {
            throw new LinkOpenException($"migration.listen {spec.Listen}: {ex.Message}");
        }
        var receiver = new MigrationReceiver(spec, listener, attach, log);
        AgentLog.MigrationListening(log, $"{(spec.Tls is null ? "tcp" : "tls")} {listener.LocalEndPoint}");
        receiver._running = Task.Run(receiver.RunAsync);
        return receiver;
    }

    private async Task RunAsync()
    {
        for (int number = 1; !_stop.IsCancellationRequested; number++)
        {
            var options = new DestinationOptions { IdleTimeout = _spec.IdleTimeout, MaxMemoryBytes = _spec.MaxMemoryBytes };
            QemuMonitor? qemu = null;
            QemuTargetEnd? target = null;
            DestinationResult result;
            try
            {
                if (_spec.Qemu is { } spec)
                {
                    (qemu, target) = await WaitForQemuAsync(spec).ConfigureAwait(false);
                    options = target.Apply(options);
                }
                var destination = new MigrationDestination(options);
                lock (_gate) _receiving = true;
                result = await destination.ReceiveAsync(_listener, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                lock (_gate) _receiving = false;
                target?.Dispose();
                if (qemu is not null) await qemu.DisposeAsync().ConfigureAwait(false);
            }
            using var image = result.Image;
            if (!result.Committed)
            {
                if (_stop.IsCancellationRequested) return;
                Interlocked.Increment(ref _refused);
                Record(number, $"refused: {result.Message}");
                AgentLog.MigrationRefused(_log, number, result.Message);
                continue;
            }
            Interlocked.Increment(ref _committed);
            string? written = null;
            if (_spec.OutputDirectory is string folder && image is not null)
            {
                written = Path.Combine(folder, $"migration-{number}.img");
                try
                {
                    image.SaveToFile(written);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    written = $"not written ({ex.Message})";
                }
            }
            long bytes = image?.MemoryBytes ?? 0;
            AgentLog.MigrationCommitted(_log, number, bytes, result.Digest.ToString(), result.Connections, written ?? "not written");
            string handover = "";
            if (target?.ResumeFailure is { } failure)
            {
                handover = $", QEMU did not resume the guest: {failure.Message}";
                AgentLog.MigrationHandoverFailed(_log, number, "qemu", failure.Message);
            }
            else if (target is not null)
            {
                handover = ", the guest runs in QEMU";
            }
            if (_spec.Vm is string vm)
            {
                string? problem = await _attach(vm).ConfigureAwait(false);
                handover = problem is null ? $", vm {vm} attached" : $", vm {vm} not attached: {problem}";
                if (problem is not null) AgentLog.MigrationHandoverFailed(_log, number, vm, problem);
            }
            Record(number, $"committed: {bytes} bytes, digest {result.Digest}{handover}");
        }
    }

    /// <summary>How often the receiver looks for a QEMU waiting for a guest.</summary>
    private static readonly TimeSpan QemuPoll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits until a QEMU at <paramref name="spec"/>'s QMP socket waits for a migration (<c>inmigrate</c>) and opens it as the
    /// destination (<c>x-ignore-shared</c>, <c>migrate-incoming</c>); what it finds meanwhile is logged when it changes.
    /// Cancelled when the daemon stops.
    /// </summary>
    private async Task<(QemuMonitor, QemuTargetEnd)> WaitForQemuAsync(QemuTargetSpec spec)
    {
        string? said = null;
        while (true)
        {
            _stop.Token.ThrowIfCancellationRequested();
            QemuMonitor? qemu = null;
            string reason;
            try
            {
                qemu = await QemuMonitor.ConnectAsync(spec.Qmp, QemuPoll).ConfigureAwait(false);
                string status = await qemu.QueryStatusAsync().ConfigureAwait(false);
                if (status == "inmigrate")
                {
                    var target = await QemuTargetEnd.OpenAsync(qemu, spec.Ram, spec.Socket, _spec.IdleTimeout).ConfigureAwait(false);
                    lock (_gate) _qemuState = $"QEMU at {spec.Qmp} waits for a guest";
                    AgentLog.MigrationQemuReady(_log, spec.Qmp, spec.Ram);
                    return (qemu, target);
                }
                reason = $"QEMU there is {status}, not waiting for a migration (-incoming defer)";
            }
            catch (LabException ex)
            {
                reason = ex.Message;
            }
            if (qemu is not null) await qemu.DisposeAsync().ConfigureAwait(false);
            if (reason != said)
            {
                said = reason;
                lock (_gate) _qemuState = $"waiting for a QEMU at {spec.Qmp}: {reason}";
                AgentLog.MigrationWaitingForQemu(_log, spec.Qmp, reason);
            }
            await Task.Delay(QemuPoll, TimeProvider.System, _stop.Token).ConfigureAwait(false);
        }
    }

    private void Record(int number, string what)
    {
        lock (_gate) _last = $"migration {number} {what}";
    }

    /// <summary>The <c>migration</c> object of the daemon's status: where it listens, counts, and the last migration.</summary>
    public void WriteStatus(Utf8JsonWriter json)
    {
        json.WriteStartObject("migration");
        json.WriteString("listen", $"{(_spec.Tls is null ? "tcp" : "tls")} {_listener.LocalEndPoint}");
        json.WriteNumber("committed", Volatile.Read(ref _committed));
        json.WriteNumber("refused", Volatile.Read(ref _refused));
        lock (_gate)
        {
            json.WriteBoolean("receiving", _receiving);
            if (_last is not null) json.WriteString("last", _last);
            if (_qemuState is not null) json.WriteString("qemu", _qemuState);
        }
        if (_spec.Vm is not null) json.WriteString("vm", _spec.Vm);
        json.WriteEndObject();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_running is not null) await _running.ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
