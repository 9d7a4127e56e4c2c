using System.Diagnostics;
using System.Text;

namespace NetMobility.Lab;

/// <summary>
/// A program left running in the background (a listener inside a namespace): its output is collected as it
/// comes, a caller can wait for a line it prints or for it to exit, each with a time bound, and
/// <see cref="Dispose"/> kills it, by its own process id, if it is still running.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly int _id;
    private readonly object _gate = new();
    private readonly StringBuilder _output = new(), _standardOutput = new(), _standardError = new();
    private readonly List<(string Fragment, TaskCompletionSource Seen)> _watches = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    internal LabProcess(string description, Process process)
    {
        Description = description;
        _process = process;
        _id = process.Id;
        _process.EnableRaisingEvents = true;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, standardOutput: true);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, standardOutput: false);
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (_process.HasExited) _exited.TrySetResult();
    }

    /// <summary>The command line, for messages.</summary>
    public string Description { get; }

    /// <summary>The process id, still known after the process has ended and this has been disposed (for messages).</summary>
    public int Id => _id;

    /// <summary>Completes when the program has exited.</summary>
    public Task WhenExited => _exited.Task;

    /// <summary>Standard output and standard error so far, interleaved by line in the order they were read.</summary>
    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    /// <summary>Standard output alone so far (a report the program printed there, without its messages on standard error).</summary>
    public string StandardOutput
    {
        get { lock (_gate) return _standardOutput.ToString(); }
    }

    /// <summary>Standard error alone so far (a program's warnings and errors, without what it printed on standard output).</summary>
    public string StandardError
    {
        get { lock (_gate) return _standardError.ToString(); }
    }

    /// <summary>Completes when a line containing <paramref name="fragment"/> has been printed (also if it already was).</summary>
    public Task WhenPrinted(string fragment)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_output.ToString().Contains(fragment, StringComparison.Ordinal)) seen.SetResult();
            else _watches.Add((fragment, seen));
        }
        return seen.Task;
    }

    /// <summary>Waits until a line containing <paramref name="fragment"/> is printed; fails if the program exits first or the time runs out.</summary>
    public async Task WaitForOutputAsync(string fragment, TimeSpan timeout)
    {
        var printed = WhenPrinted(fragment);
        Task first;
        try
        {
            first = await Task.WhenAny(printed, _exited.Task).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new LabException($"{Description}: '{fragment}' not printed within {timeout.TotalSeconds:0.#} s: {LastLine()}");
        }
        if (first == printed) return;
        // It exited: let the output readers reach end of stream before deciding the line never came.
        await _process.WaitForExitAsync().ConfigureAwait(false);
        if (printed.IsCompleted) return;
        throw new LabException($"{Description} exited with {_process.ExitCode} before printing '{fragment}': {LastLine()}");
    }

    /// <summary>Waits for the program to exit and answers its exit code; on timeout it is killed and a <see cref="LabException"/> thrown.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new LabException($"{Description} did not exit within {timeout.TotalSeconds:0.#} s: {LastLine()}");
        }
        // Exited fires before the output readers have seen end of stream; this waits for them.
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    private void OnLine(string? line, bool standardOutput)
    {
        if (line is null) return;
        lock (_gate)
        {
            _output.AppendLine(line);
            (standardOutput ? _standardOutput : _standardError).AppendLine(line);
            for (int i = _watches.Count - 1; i >= 0; i--)
            {
                if (!line.Contains(_watches[i].Fragment, StringComparison.Ordinal)) continue;
                _watches[i].Seen.TrySetResult();
                _watches.RemoveAt(i);
            }
        }
    }

    /// <summary>The last line the program printed (on either stream), for a message.</summary>
    public string LastLine()
    {
        var lines = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1];
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>Kills the program if it still runs and releases it; safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
