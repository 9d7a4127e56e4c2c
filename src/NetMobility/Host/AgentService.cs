using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NetMobility.Runtime;
using NetMobility.Configuration;

namespace NetMobility.Host;

/// <summary>
/// The agent daemon as a hosted service of the .NET generic host: on start it builds the node of a checked
/// configuration on one <see cref="RealTimeLoop"/>, opens its devices, starts the loop, the control socket and the
/// <c>NetMobility</c> meter, and listens for SIGHUP (reload without dropping bindings). On stop (SIGTERM, SIGINT) it
/// deregisters the VMs it hosts away from home through its foreign agent (waiting 2.5 s at most for the answers), detaches the VMs it hosts, closes its devices (a TAP it created goes with it), flushes and closes the capture,
/// removes the control socket and stops the loop.
/// </summary>
public sealed class AgentService(AgentConfig config, IReadOnlyList<KeyValuePair<string, string?>> overrides, ILoggerFactory logs) : IHostedService
{
    /// <summary>How long a stop waits for the answers to the deregistrations of VMs away (of the 5 s a stop may take).</summary>
    private static readonly TimeSpan LeaveBound = TimeSpan.FromSeconds(2.5);

    private readonly ILogger _log = logs.CreateLogger(AgentLog.Category);
    private readonly RealTimeLoop _loop = new();
    private readonly CancellationTokenSource _stopLoop = new();
    private AgentNode? _agent;
    private AgentMetrics? _metrics;
    private ControlServer? _control;
    private MigrationReceiver? _receiver;
    private PosixSignalRegistration? _hangup;
    private Task? _running;
    private int _reloading;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The receiver's socket first: a port that cannot be had stops the daemon before anything else is open.
        if (config.Migration is { } migration)
            _receiver = MigrationReceiver.Start(migration, vm => _loop.InvokeAsync(() => _agent!.Attach(vm)), _log);
        _agent = AgentNode.Start(config, _loop, _log);
        _metrics = new AgentMetrics(_agent);
        _control = ControlServer.Start(config.ControlSocket, Handle, _log);
        _running = _loop.Start(_stopLoop.Token);
        _agent.Receiver = _receiver;
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = Task.Run(Reload);
        });
        string roles = string.Join(", ", new[] { _agent.HomeAgent is null ? null : "home-agent", _agent.ForeignAgent is null ? null : "foreign-agent" }.OfType<string>());
        AgentLog.Started(_log, _agent.Node.Name, _agent.Node.Interfaces.Count, roles.Length == 0 ? "none" : roles, config.ControlSocket);
        // The control socket listens: a service manager (systemd Type=notify) or the lab may go on.
        if (ServiceNotify.Send($"READY=1\nSTATUS=serving on {config.ControlSocket}") is string problem) AgentLog.ControlProblem(_log, problem);
        return Task.CompletedTask;
    }

    /// <summary>Re-reads the file (with the same overrides) and applies it on the loop; a file that does not check is logged and ignored.</summary>
    public async Task<string> Reload()
    {
        if (Interlocked.Exchange(ref _reloading, 1) != 0) return "a reload is running already";
        try
        {
            AgentConfig next;
            try
            {
                next = AgentConfig.Load(config.Path, overrides);
            }
            catch (ConfigException ex)
            {
                AgentLog.ReloadRefused(_log, ex.Message);
                return ex.Message;
            }
            return await _loop.InvokeAsync(() => _agent!.Reload(next)).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _reloading, 0);
        }
    }

    private async Task<string> Handle(string request)
    {
        string[] words = request.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words)
        {
            case ["status"]:
                return await Status().ConfigureAwait(false);
            case ["watch", var seenText, var waitText]:
                if (!long.TryParse(seenText, out long seen) || !int.TryParse(waitText, out int waitMs) || waitMs is < 0 or > Lab.ControlClient.MaxWatchMs)
                    return ControlServer.ErrorJson($"watch GENERATION MILLISECONDS: a status generation and 0 to {Lab.ControlClient.MaxWatchMs} ms");
                var change = await _loop.InvokeAsync(() => _agent!.ChangeAfter(seen)).ConfigureAwait(false);
                await change.WaitAsync(TimeSpan.FromMilliseconds(waitMs)).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                return await Status().ConfigureAwait(false);
            case ["attach" or "detach", var vm]:
                string? problem = await _loop.InvokeAsync(() => words[0] == "attach" ? _agent!.Attach(vm) : _agent!.Detach(vm)).ConfigureAwait(false);
                return problem is null ? "{\"ok\":true}" : ControlServer.ErrorJson(problem);
            case ["handover", var moving]:
                string? refused = await _loop.InvokeAsync(() => _agent!.Handover(moving)).ConfigureAwait(false);
                return refused is null ? "{\"ok\":true}" : ControlServer.ErrorJson(refused);
            case ["reload"]:
                string result = await Reload().ConfigureAwait(false);
                return $"{{\"ok\":true,\"reload\":{JsonSerializer.Serialize(result)}}}";
            default:
                return ControlServer.ErrorJson($"unknown request '{request}' (status, watch GENERATION MS, attach VM, detach VM, handover VM, reload)");
        }
    }

    private Task<string> Status() => _loop.InvokeAsync(() =>
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) _agent!.WriteStatus(json);
        return Encoding.UTF8.GetString(buffer.ToArray());
    });

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ServiceNotify.Send("STOPPING=1");
        _hangup?.Dispose();
        if (_control is not null) await _control.DisposeAsync().ConfigureAwait(false);
        if (_receiver is not null) await _receiver.DisposeAsync().ConfigureAwait(false);
        _metrics?.Dispose();
        if (_agent is { } agent && _running is { IsCompleted: false })
        {
            string name = agent.Node.Name;
            var leaving = await _loop.InvokeAsync(agent.LeaveAway).ConfigureAwait(false);
            try
            {
                await leaving.WaitAsync(LeaveBound, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                AgentLog.LeavingUnanswered(_log, (int)LeaveBound.TotalMilliseconds);
            }
            await _loop.InvokeAsync(agent.Dispose).WaitAsync(cancellationToken).ConfigureAwait(false);
            AgentLog.Stopped(_log, name);
        }
        else
        {
            _agent?.Dispose();
        }
        _stopLoop.Cancel();
        if (_running is not null) await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
