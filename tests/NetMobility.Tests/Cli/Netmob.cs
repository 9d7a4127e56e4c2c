using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Cli;

/// <summary>The netmob program as a user runs it, and what a refusal of bad input must look like.</summary>
public static class Netmob
{
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "netmob.dll");

    public static ExternalProcess.Result Run(params string[] arguments) => ExternalProcess.Run("dotnet", [Dll, .. arguments]);

    /// <summary>Runs netmob in <paramref name="directory"/>, so that relative names resolve there.</summary>
    public static ExternalProcess.Result RunIn(string directory, params string[] arguments) =>
        ExternalProcess.Run("dotnet", [Dll, .. arguments], workingDirectory: directory);

    /// <summary>Exit code 2 and exactly one line on stderr, naming <paramref name="named"/>, with no stack trace.</summary>
    public static string AssertRefused(ExternalProcess.Result result, string named)
    {
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr: {result.StandardError}");
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // a stack trace would be more lines
        Assert.StartsWith("netmob: ", line);
        Assert.Contains(named, line);
        Assert.DoesNotContain("Exception", line);
        return line;
    }
}
