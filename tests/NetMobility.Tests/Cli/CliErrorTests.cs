using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Cli;

/// <summary>
/// The netmob program itself, run as a user runs it: every bad input ends with one line on stderr that
/// names what was wrong, exit code 2, and never a stack trace.
/// </summary>
public class CliErrorTests
{
    private static readonly string Netmob = Path.Combine(AppContext.BaseDirectory, "netmob.dll");

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["frobnicate"], "'frobnicate'" },
        { ["decode"], "'file'" },
        { ["decode", "/nonexistent/capture.pcap"], "/nonexistent/capture.pcap" },
        { ["decode", RepositoryFiles.Path("README.md")], "unknown magic" },
        { ["migrate", "run", "--memory", "lots"], "--memory" },
        { ["migrate", "run", "--policy", "fastest"], "--policy" },
        { ["replay", RepositoryFiles.Path("captures", "samples", "mobility.pcap"), "--config", RepositoryFiles.Path("README.md"), "--out", "/tmp/netmob-out.pcap"], "README.md" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_naming_it_and_exit_code_2(string[] arguments, string named)
    {
        var result = ExternalProcess.Run("dotnet", [Netmob, .. arguments]);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(lines); // a stack trace would be more lines
        Assert.StartsWith("netmob: ", line);
        Assert.Contains(named, line);
        Assert.DoesNotContain("Exception", line);
    }

    [Fact]
    public void Decode_of_the_sample_capture_prints_one_object_per_frame()
    {
        var result = ExternalProcess.Run("dotnet", [Netmob, "decode", RepositoryFiles.Path("captures", "samples", "mobility.pcap")]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 20);
        for (int i = 0; i < lines.Length; i++) Assert.StartsWith($"{{\"frame\":{i + 1},", lines[i]);
    }
}
