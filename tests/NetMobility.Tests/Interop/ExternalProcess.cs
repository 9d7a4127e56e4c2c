using System.Diagnostics;

namespace NetMobility.Tests.Interop;

/// <summary>Runs a peer program no one here wrote (tshark, scapy) with a bound on its run time.</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(string fileName, IEnumerable<string> arguments, string? standardInput = null, int timeoutSeconds = 120, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        // Plain C locale: decimal points and messages as the assertions expect them.
        info.Environment["LC_ALL"] = "C";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {timeoutSeconds} s");
        }
        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>Runs and fails the test with the program's stderr when it exits non-zero.</summary>
    public static string RunChecked(string fileName, IEnumerable<string> arguments, string? standardInput = null)
    {
        var r = Run(fileName, arguments, standardInput);
        Assert.True(r.ExitCode == 0, $"{fileName} exited with {r.ExitCode}: {r.StandardError}");
        return r.StandardOutput;
    }
}
