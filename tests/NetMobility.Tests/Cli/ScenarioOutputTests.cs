using System.Text.Json;
using System.Xml.Linq;
using NetMobility.Cli;

namespace NetMobility.Tests.Cli;

/// <summary>
/// What <c>netmob scenario run</c> leaves behind as a user runs it: the SVG timeline in ./scenario-out by default, in
/// <c>--out DIR</c> when told, none with <c>--no-svg</c>; the report names it; progress on stderr as plain lines
/// (stderr is a pipe here), nothing else there.
/// </summary>
public sealed class ScenarioOutputTests : IDisposable
{
    private static readonly string[] Small = ["scenario", "run", "--memory", "4M", "--bulk", "1M"];
    private readonly string _directory = Directory.CreateTempSubdirectory("netmob-scenario-out-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Every stderr line is a plain progress line, and the last shows the run's end.</summary>
    internal static void AssertOnlyProgress(string standardError)
    {
        var lines = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            Assert.True(line.StartsWith(ScenarioProgressView.PlainPrefix, StringComparison.Ordinal), $"not a progress line: {line}");
            Assert.DoesNotContain('\r', line);
            Assert.DoesNotContain('\u001b', line);
        }
    }

    [Fact]
    public void By_default_the_timeline_goes_into_scenario_out_and_the_report_names_it()
    {
        var result = Netmob.RunIn(_directory, Small);
        Assert.True(result.ExitCode == 0, result.StandardError);
        string svg = Path.Combine(_directory, ScenarioCommand.DefaultOutDirectory, ScenarioCommand.TimelineFile);
        Assert.True(File.Exists(svg));
        Assert.Equal("svg", XDocument.Load(svg).Root!.Name.LocalName);
        Assert.Contains($"timeline: {ScenarioCommand.DefaultOutDirectory}/{ScenarioCommand.TimelineFile}\n", result.StandardOutput);
        AssertOnlyProgress(result.StandardError);
        var last = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("memory done after round", last);
        Assert.Contains("bulk ", last);
        Assert.Contains("last round trip", last);
    }

    [Fact]
    public void No_svg_writes_none_and_out_puts_it_where_told_also_in_the_json_report()
    {
        var result = Netmob.RunIn(_directory, [.. Small, "--no-svg"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
        Assert.DoesNotContain("timeline: ", result.StandardOutput);

        result = Netmob.RunIn(_directory, [.. Small, "--out", "pictures/run1", "--json"]);
        Assert.Equal(0, result.ExitCode);
        string svg = Path.Combine("pictures", "run1", ScenarioCommand.TimelineFile);
        Assert.True(File.Exists(Path.Combine(_directory, svg)));
        Assert.Equal(svg, JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("timelineSvg").GetString());
        Assert.False(Directory.Exists(Path.Combine(_directory, ScenarioCommand.DefaultOutDirectory)));
        AssertOnlyProgress(result.StandardError);
    }

    [Fact]
    public void An_out_that_is_a_file_is_refused_in_one_line_before_the_run()
    {
        File.WriteAllText(Path.Combine(_directory, "taken"), "x");
        var line = Netmob.AssertRefused(Netmob.RunIn(_directory, [.. Small, "--out", "taken"]), "--out");
        Assert.StartsWith("netmob: --out: taken: ", line);
        Netmob.AssertRefused(Netmob.RunIn(_directory, [.. Small, "--out", " "]), "--out");
        Assert.Equal("x", File.ReadAllText(Path.Combine(_directory, "taken")));
    }
}
