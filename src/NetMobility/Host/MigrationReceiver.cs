using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Transports;

namespace NetMobility.Host;

/// <summary>
/// The migration receiver as a role of the agent daemon (<see cref="MigrationReceiverSpec"/>): the destination of
/// <c>netmob migrate receive</c> on one listening socket, one migration after another until the daemon stops. Each is
/// logged (1600 committed, 1601 refused) and counted in the status; a committed image is written to the output folder,
/// and when the section names a hosted VM, that VM is attached here (<paramref name="attach"/>, on the node's loop), so
/// that its announcement and registration follow as after any move.
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
    private string? _last;

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
            var destination = new MigrationDestination(new DestinationOptions { IdleTimeout = _spec.IdleTimeout, MaxMemoryBytes = _spec.MaxMemoryBytes });
            DestinationResult result;
            try
            {
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
            if (_spec.Vm is string vm)
            {
                string? problem = await _attach(vm).ConfigureAwait(false);
                handover = problem is null ? $", vm {vm} attached" : $", vm {vm} not attached: {problem}";
                if (problem is not null) AgentLog.MigrationHandoverFailed(_log, number, vm, problem);
            }
            Record(number, $"committed: {bytes} bytes, digest {result.Digest}{handover}");
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
