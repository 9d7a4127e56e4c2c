using System.CommandLine;
using NetMobility.Cli;
using NetMobility.Scenario;

namespace NetMobility.Tests.Scenario;

/// <summary>These tests take the process's stderr for a moment, so they run apart from the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}

[Collection(ConsoleCollection.Name)]
public class ScenarioCommandTests
{
    private static int RunCli(params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(ScenarioCommand.Create());
        return CliApp.Run(root, args);
    }

    [Theory]
    [InlineData("--memory", "3K")]
    [InlineData("--memory", "lots")]
    [InlineData("--workload", "database")]
    [InlineData("--policy", "eager")]
    [InlineData("--compression", "bzip2")]
    [InlineData("--channels", "0")]
    [InlineData("--wan", "fast")]
    [InlineData("--latency-ms", "-1")]
    [InlineData("--loss", "1.5")]
    [InlineData("--reordering", "-0.1")]
    [InlineData("--encapsulation", "vxlan")]
    [InlineData("--bulk", "0")]
    [InlineData("--bulk", "many")]
    [InlineData("--response", "0")]
    [InlineData("--ping-ms", "0")]
    [InlineData("--after-ms", "-5")]
    [InlineData("--no-such-option", "1")]
    public void A_bad_option_is_one_line_and_exit_code_2(string option, string value)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(CliApp.UsageError, RunCli("scenario", "run", option, value));
        }
        finally
        {
            Console.SetError(saved);
        }
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("netmob: ", lines[0]);
        Assert.Contains(option, lines[0]);
    }

    [Fact]
    public void Validation_messages_name_the_option()
    {
        var error = Assert.Throws<UserInputException>(() => ScenarioCommand.Run(new ScenarioOptions { WanLoss = 2 }, json: false, TextWriter.Null));
        Assert.StartsWith("--loss: ", error.Message);

        string file = Path.GetTempFileName();
        try
        {
            error = Assert.Throws<UserInputException>(() => ScenarioCommand.Run(new ScenarioOptions { CaptureDirectory = file }, json: false, TextWriter.Null));
            Assert.StartsWith($"--capture: {file}: ", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Prints_the_report_and_exits_0_when_the_vm_moved_and_1_when_it_stayed_home()
    {
        var output = new StringWriter();
        Assert.Equal(0, ScenarioCommand.Run(new ScenarioOptions { MemoryBytes = 4L << 20 }, json: true, output));
        var report = ScenarioReportJson.Deserialize(output.ToString());
        Assert.NotNull(report);
        Assert.Equal(ScenarioReport.Moved, report.Outcome);
        Assert.True(report.Bulk.Whole && report.Requests.Whole);

        output = new StringWriter();
        Assert.Equal(1, ScenarioCommand.Run(new ScenarioOptions { MemoryBytes = 4L << 20, FailVerification = true }, json: false, output));
        Assert.Contains(": stayed home", output.ToString().Split('\n')[0]);
    }
}
