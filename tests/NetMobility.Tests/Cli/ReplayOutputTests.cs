using NetMobility.Tests.Replay;

namespace NetMobility.Tests.Cli;

/// <summary>
/// <c>netmob replay</c> never loses a file it did not finish: the output is written beside its target and
/// renamed into place only when the replay succeeds, and an output that is the input (by any name) is refused.
/// </summary>
public sealed class ReplayOutputTests : IDisposable
{
    private static readonly string Case = RepositoryFiles.Path("captures", "replay", "home-agent");
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config => Path.Combine(Case, "config.json");

    private string CopyInput(string name = "in.pcap")
    {
        string path = Path.Combine(_dir, name);
        File.Copy(Path.Combine(Case, "in.pcap"), path);
        return path;
    }

    public static TheoryData<string> SameFileSpellings => new() { "path", "symlink", "hardlink", "relative" };

    [Theory]
    [MemberData(nameof(SameFileSpellings))]
    public void An_output_that_is_the_input_is_refused_and_the_input_is_untouched(string spelling)
    {
        string input = CopyInput();
        byte[] before = File.ReadAllBytes(input);
        string output = Path.Combine(_dir, "out.pcap");
        switch (spelling)
        {
            case "path": output = input; break;
            case "symlink": File.CreateSymbolicLink(output, input); break;
            case "hardlink": Assert.Equal(0, Interop.ExternalProcess.Run("ln", [input, output]).ExitCode); break;
            case "relative": output = Path.Combine(_dir, "..", Path.GetFileName(_dir), ".", "in.pcap"); break;
        }

        var result = Netmob.Run("replay", input, "--config", Config, "--out", output);

        Netmob.AssertRefused(result, "is the input capture");
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void An_output_that_is_the_configuration_is_refused()
    {
        string config = Path.Combine(_dir, "config.pcap");
        File.Copy(Config, config);
        byte[] before = File.ReadAllBytes(config);

        Netmob.AssertRefused(Netmob.Run("replay", CopyInput(), "--config", config, "--out", config), "is the configuration");
        Assert.Equal(before, File.ReadAllBytes(config));
    }

    [Fact]
    public void A_failed_replay_leaves_the_existing_output_as_it_was_and_no_temporary_file()
    {
        string input = CopyInput();
        var bytes = File.ReadAllBytes(input);
        File.WriteAllBytes(input, bytes[..^10]); // the last record is cut short: the replay fails at its end
        string output = Path.Combine(_dir, "out.pcap");
        File.WriteAllText(output, "what the user had here");

        var result = Netmob.Run("replay", input, "--config", Config, "--out", output);

        Netmob.AssertRefused(result, "in.pcap");
        Assert.Equal("what the user had here", File.ReadAllText(output));
        Assert.Equal(["in.pcap", "out.pcap"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_successful_replay_replaces_the_output_through_a_link_and_leaves_no_temporary_file()
    {
        string input = CopyInput();
        string real = Path.Combine(_dir, "real.pcap");
        File.WriteAllText(real, "old contents");
        string link = Path.Combine(_dir, "link.pcap");
        File.CreateSymbolicLink(link, real);

        var result = Netmob.Run("replay", input, "--config", Config, "--out", link);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(real, new FileInfo(link).LinkTarget);
        Assert.Equal(CapturedFrame.ReadAll(Path.Combine(Case, "expected.pcap")), CapturedFrame.ReadAll(real));
        Assert.Equal(["in.pcap", "link.pcap", "real.pcap"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_output_in_a_missing_directory_is_one_line_naming_it()
    {
        string output = Path.Combine(_dir, "no-such-dir", "out.pcap");
        Netmob.AssertRefused(Netmob.Run("replay", CopyInput(), "--config", Config, "--out", output), "no-such-dir");
    }
}
