using System.ComponentModel;
using System.Diagnostics;

namespace NetMobility.Lab;

/// <summary>Runs a program to completion with a bound on its run time, capturing what it prints.</summary>
internal static class CommandRunner
{
    public static CommandResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        using var process = Start(program, arguments, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new LabException($"{Describe(program, arguments)} did not finish within {timeout.TotalSeconds:0.#} s");
        }
        return new CommandResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>
    /// Starts <paramref name="program"/> with its output redirected and its input at end of file (it never reads the
    /// caller's); a program that is not installed becomes a <see cref="LabException"/>.
    /// </summary>
    public static Process Start(string program, IReadOnlyList<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        try
        {
            var process = Process.Start(info) ?? throw new LabException($"{Describe(program, arguments)} could not be started");
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception e)
        {
            throw new LabException($"{program} could not be started ({e.Message}): is it installed and on PATH?");
        }
    }

    public static string Describe(string program, IReadOnlyList<string> arguments) =>
        arguments.Count == 0 ? program : $"{program} {string.Join(' ', arguments)}";
}
