using System.Diagnostics;
using NetMobility.Cli;

namespace NetMobility.Tests.Migration.TwoHosts;

/// <summary>A <c>netmob</c> process started for a test: its stderr read line by line as it comes, its stdout kept whole.</summary>
internal sealed class NetmobProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _errorLines = [];
    private readonly Task<string> _output;
    private readonly Task _errors;
    private TaskCompletionSource _lineArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NetmobProcess(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _errors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                TaskCompletionSource arrived;
                lock (_errorLines)
                {
                    _errorLines.Add(line);
                    arrived = _lineArrived;
                    _lineArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                arrived.TrySetResult();
            }
            lock (_errorLines) _lineArrived.TrySetResult();
        });
    }

    public static NetmobProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(MigrateCommand).Assembly.Location);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["LC_ALL"] = "C";
        info.Environment["NETMOB_TRACE"] = "1";
        return new NetmobProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start netmob"));
    }

    public int Id => _process.Id;

    public string StandardError
    {
        get { lock (_errorLines) return string.Join('\n', _errorLines); }
    }

    /// <summary>Waits (bounded) for a stderr line that <paramref name="match"/> accepts and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? bound = null)
    {
        using var timeout = new CancellationTokenSource(bound ?? TimeSpan.FromSeconds(60));
        int seen = 0;
        while (true)
        {
            Task next;
            lock (_errorLines)
            {
                for (; seen < _errorLines.Count; seen++)
                    if (match(_errorLines[seen])) return _errorLines[seen];
                if (_errors.IsCompleted) throw new InvalidOperationException($"netmob ended without the line; stderr: {string.Join('\n', _errorLines)}");
                next = _lineArrived.Task;
            }
            await next.WaitAsync(timeout.Token);
        }
    }

    /// <summary>The port a <c>migrate receive --listen ADDR:0</c> chose, from its "listening on" line.</summary>
    public async Task<int> ListeningPortAsync()
    {
        string line = await WaitForLineAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal));
        return int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (bounded) for the process to end; returns its exit code and stdout.</summary>
    public async Task<(int ExitCode, string Output)> ExitAsync(TimeSpan? bound = null)
    {
        using var timeout = new CancellationTokenSource(bound ?? TimeSpan.FromSeconds(120));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"netmob did not end; stderr: {StandardError}");
        }
        await _errors;
        return (_process.ExitCode, await _output);
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
