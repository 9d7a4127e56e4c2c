namespace NetMobility.Tests.Cli;

/// <summary>A value the user gave is echoed in the error with its control characters escaped, so the error stays one line.</summary>
public sealed class ControlCharacterTests
{
    public static TheoryData<string[], string> ValuesWithControlCharacters => new()
    {
        { ["decode", "/nonexistent/a\nb.pcap"], "a\\nb.pcap" },
        { ["decode", "/nonexistent/\u001b[31mred\r.pcap"], "\\u001b[31mred\\r.pcap" },
        { ["scenario", "run", "--workload", "web\nserver"], "'web\\nserver'" },
        { ["migrate", "run", "--policy", "fast\u2028est"], "fast\\u2028est" },
        { ["frobnicate\tnow"], "frobnicate\\tnow" },
    };

    [Theory]
    [MemberData(nameof(ValuesWithControlCharacters))]
    public void A_control_character_in_a_value_is_escaped_in_the_one_line_error(string[] arguments, string escaped)
    {
        var line = Netmob.AssertRefused(Netmob.Run(arguments), escaped);
        Assert.DoesNotContain(line, c => char.IsControl(c) || c is '\u2028' or '\u2029');
    }

    [Fact]
    public void A_control_character_in_a_configuration_value_is_escaped()
    {
        string dir = Directory.CreateTempSubdirectory("netmob-ctl-").FullName;
        try
        {
            string config = Path.Combine(dir, "config.json");
            File.WriteAllText(config, """{"tunnel": {"type": "gre", "local": "10.0.0.1\n\u001b[2J", "remote": "10.0.0.2"}}""");
            var line = Netmob.AssertRefused(
                Netmob.Run("replay", RepositoryFiles.Path("captures", "samples", "mobility.pcap"), "--config", config, "--out", Path.Combine(dir, "o.pcap")),
                "10.0.0.1\\n\\u001b[2J");
            Assert.DoesNotContain(line, char.IsControl);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
