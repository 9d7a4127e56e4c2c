using System.Text.Json;
using NetMobility.Lab;
using NetMobility.Tests.Lab;

namespace NetMobility.Tests.Host;

/// <summary>
/// The daemon's <c>NetMobility</c> meter read from outside with <c>dotnet-counters</c> (the .NET diagnostics tool, a
/// NuGet tool package: <c>dotnet tool install -g dotnet-counters --version 10.0.750501</c>, which .ci/run does): a daemon
/// with a home agent and a foreign agent shows every counter of the meter, drops aside (those appear with a reason once a
/// frame or packet was dropped).
/// </summary>
public sealed class AgentCountersTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Dotnet_counters_shows_every_counter_of_the_NetMobility_meter()
    {
        string tool = DotnetCounters();
        var files = Directory.CreateTempSubdirectory("nmcnt-");
        try
        {
            string config = Path.Combine(files.FullName, "d.json"), output = Path.Combine(files.FullName, "counters.json");
            File.WriteAllText(config, $$$"""
                {"node": {"name": "d", "interfaces": [
                   {"name": "lan", "mac": "02:4e:4d:09:00:01", "address": "10.9.0.1/24", "link": {"segment": "lan"}},
                   {"name": "v", "mac": "02:4e:4d:09:01:01", "address": "10.9.1.1/24", "link": {"segment": "v"}}],
                  "roles": [{"type": "home-agent", "interface": "lan", "mobileNodes": [{"homeAddress": "10.9.0.50", "spi": 300, "key": "k"}]},
                            {"type": "foreign-agent", "interface": "v", "careOf": "10.9.1.1"}]},
                 "control": "{{{Path.Combine(files.FullName, "d.sock")}}}"}
                """);
            using var daemon = AgentLab.StartAgent(config);
            await daemon.WaitForOutputAsync("node d started", Bound);

            var collect = CommandRunner.Run(tool, ["collect", "-p", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--counters", "NetMobility", "--format", "json", "--duration", "00:00:00:03", "-o", output], Bound);
            Assert.True(collect.Succeeded, collect.StandardError + collect.StandardOutput);
            using var document = JsonDocument.Parse(File.ReadAllText(output));
            var names = document.RootElement.GetProperty("Events").EnumerateArray()
                .Where(e => e.GetProperty("provider").GetString() == "NetMobility")
                .Select(e => e.GetProperty("name").GetString()!.Split(' ')[0]).ToHashSet();
            string[] expected =
            [
                "netmob.link.frames", "netmob.link.bytes", "netmob.node.forwarded",
                "netmob.home_agent.registrations", "netmob.home_agent.bindings", "netmob.home_agent.tunnelled", "netmob.home_agent.reverse_tunnelled",
                "netmob.foreign_agent.visitors", "netmob.foreign_agent.delivered", "netmob.foreign_agent.reverse_tunnelled",
            ];
            foreach (string name in expected) Assert.True(names.Contains(name), $"{name} not among what dotnet-counters showed: {string.Join(", ", names)}");

            CommandRunner.Run("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Bound);
            Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    /// <summary>dotnet-counters on the PATH or where <c>dotnet tool install -g</c> puts it; missing, the test fails saying how to install it.</summary>
    private static string DotnetCounters()
    {
        if (LabPrerequisites.OnPath("dotnet-counters")) return "dotnet-counters";
        string global = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-counters");
        Assert.True(File.Exists(global), "dotnet-counters is not installed: dotnet tool install -g dotnet-counters --version 10.0.750501 (.ci/run does)");
        return global;
    }
}
