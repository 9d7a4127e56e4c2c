using System.Diagnostics;

namespace NetMobility.Tests.Interop;

/// <summary>
/// Runs Wireshark's command-line tools (Debian packages tshark and wireshark-common) as the
/// reference no one here wrote: a run that exits non-zero or outlives its timeout fails the test
/// with the tool's stderr.
/// </summary>
internal static class Tshark
{
    public const string TsharkPath = "/usr/bin/tshark";
    public const string EditcapPath = "/usr/bin/editcap";
    public const string MergecapPath = "/usr/bin/mergecap";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs tshark with <paramref name="arguments"/>; returns its stdout.</summary>
    public static string Run(params string[] arguments) => RunTool(TsharkPath, arguments);

    /// <summary>Runs one of the Wireshark tools by path; returns its stdout.</summary>
    public static string RunTool(string path, params string[] arguments)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Plain C locale: decimal points and messages as the assertions expect them.
        start.Environment["LC_ALL"] = "C";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string command = $"{Path.GetFileName(path)} {string.Join(' ', arguments)}";
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{command} ran longer than {Timeout.TotalSeconds} s; stderr: {stderr.GetAwaiter().GetResult()}");
        }
        process.WaitForExit(); // lets the redirected streams drain
        string output = stdout.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
            Assert.Fail($"{command} exited with {process.ExitCode}; stderr: {stderr.GetAwaiter().GetResult()}");
        return output;
    }
}
