using System.Runtime.InteropServices;
using NetMobility.Files;

namespace NetMobility.Lab.Site;

/// <summary>
/// The lab's agent processes as the kernel sees them (/proc): a process counts as a lab's agent only while its command
/// line names one of that lab's configuration files after <c>--config</c>, so a recycled process id is never signalled.
/// </summary>
internal static partial class AgentProcesses
{
    private const int SigTerm = 15, SigKill = 9;

    /// <summary>The command line of <paramref name="pid"/>, or null when there is no such live process (a zombie has none).</summary>
    public static string[]? CommandLine(int pid)
    {
        try
        {
            // Bounded: a process with an argument list of megabytes is not one of the lab's agents.
            string text = BoundedText.Read($"/proc/{pid}/cmdline", 64 * 1024);
            return text.Length == 0 ? null : text.TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> runs with <c>--config <paramref name="config"/></c>.</summary>
    public static bool Runs(int pid, string config) => CommandLine(pid) is { } args && HasConfig(args, config);

    /// <summary>
    /// True while <paramref name="pid"/> (just started as <c>sh</c>, then <c>setsid</c>, then <c>netmob</c>) has not
    /// exited: it exists, is no zombie, and its command line is the agent's, or empty while an exec replaces it.
    /// </summary>
    public static bool Starting(int pid, string config)
    {
        string stat;
        try
        {
            stat = BoundedText.Read($"/proc/{pid}/stat", 4096);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return false;
        }
        // The state follows the command name, which is in parentheses and may itself hold any character.
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length || stat[close + 2] is 'Z' or 'X') return false;
        return CommandLine(pid) is not { } args || HasConfig(args, config);
    }

    /// <summary>Every live process whose command line has <c>--config</c> followed by one of <paramref name="configs"/>.</summary>
    public static IEnumerable<int> Running(IReadOnlyCollection<string> configs)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            if (CommandLine(pid) is { } args && configs.Any(c => HasConfig(args, c))) yield return pid;
        }
    }

    private static bool HasConfig(string[] args, string config)
    {
        for (int i = 0; i + 1 < args.Length; i++)
            if (args[i] == "--config" && args[i + 1] == config) return true;
        return false;
    }

    /// <summary>SIGTERM to each, then SIGKILL to those still running after <paramref name="grace"/>; answers how many were stopped.</summary>
    public static async Task<int> StopAsync(IReadOnlyCollection<(int Pid, string Config)> agents, TimeSpan grace)
    {
        var live = agents.Where(a => Runs(a.Pid, a.Config)).ToList();
        using var bound = new CancellationTokenSource(grace);
        // Each wait holds its process (a pidfd) from before the signal, so an id recycled meanwhile is not waited for.
        var ended = live.Select(a => ProcessExit.WaitAsync(a.Pid, bound.Token)).ToList();
        foreach (var (pid, _) in live) Kill(pid, SigTerm);
        try
        {
            await Task.WhenAll(ended).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The grace ran out: those still running are killed below.
        }
        foreach (var (pid, config) in live)
            if (Runs(pid, config)) Kill(pid, SigKill);
        return live.Count;
    }

    private static void Kill(int pid, int signal) => _ = kill(pid, signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
