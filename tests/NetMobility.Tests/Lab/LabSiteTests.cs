using System.Security.Cryptography;
using System.Text.Json;
using NetMobility.Lab;
using NetMobility.Lab.Site;

namespace NetMobility.Tests.Lab;

/// <summary>
/// <c>netmob lab up|status|move|down</c> as a user runs them: the lab comes up with its three agent daemons detached,
/// carries the kernel's ping and TCP to the VM at home and across a move to the foreign site, and <c>down</c> leaves no
/// namespace, device, process or file behind, also after an <c>up</c> killed halfway; bad descriptions are one line, exit 2.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class LabSiteTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Lab_up_carries_ping_and_tcp_across_a_move_and_down_leaves_nothing()
    {
        LabPrerequisites.Require();
        using var lab = new LabFiles("""{"wan": {"delayMs": 5, "seed": 3}}""");
        var up = Netmob("lab", "up", "--config", lab.Config);
        Assert.True(up.Succeeded, up.StandardError);
        Assert.Contains($"lab {lab.Name} is up", up.StandardOutput);
        try
        {
            var status = Netmob("lab", "status", "--config", lab.Config, "--json");
            Assert.Equal(0, status.ExitCode);
            var json = JsonDocument.Parse(status.StandardOutput).RootElement;
            Assert.True(json.GetProperty("running").GetBoolean(), status.StandardOutput);
            Assert.Equal(["home", "wan", "foreign"], json.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
            Assert.All(json.GetProperty("agents").EnumerateArray(), a => Assert.True(a.GetProperty("status").GetProperty("links").EnumerateArray().All(l => l.GetProperty("state").GetString() == "up")));
            var again = Netmob("lab", "up", "--config", lab.Config);
            Assert.Equal(2, again.ExitCode);
            Assert.Equal($"netmob: lab up: lab {lab.Name} is up already (state in {lab.StateDirectory}): run 'netmob lab down' first", again.StandardError.Trim());

            using var corr = NetNamespace.Existing($"{lab.Name}-corr");
            using var vm = NetNamespace.Existing($"{lab.Name}-vm");
            PingAndTransfer(corr, vm, lab.Directory, "at home");
            var away = Netmob("lab", "move", "--config", lab.Config, "--to", "foreign");
            Assert.True(away.Succeeded, away.StandardError);
            PingAndTransfer(corr, vm, lab.Directory, "away");
            var home = await LabMove.Status(Path.Combine(lab.StateDirectory, "home.sock"));
            var binding = Assert.Single(home.GetProperty("bindings").EnumerateArray());
            Assert.Equal(LabAddresses.CareOf, binding.GetProperty("careOf").GetString());
            var wan = await LabMove.Status(Path.Combine(lab.StateDirectory, "wan.sock"));
            Assert.True(wan.GetProperty("counters").GetProperty("node").GetProperty("packetsForwarded").GetInt64() > 0, wan.ToString());
            var back = Netmob("lab", "move", "--config", lab.Config, "--to", "home");
            Assert.True(back.Succeeded, back.StandardError);
            PingAndTransfer(corr, vm, lab.Directory, "home again");
        }
        finally
        {
            var down = Netmob("lab", "down", "--config", lab.Config);
            Assert.True(down.Succeeded, down.StandardError);
        }
        lab.AssertNothingLeft();
        var after = Netmob("lab", "status", "--config", lab.Config);
        Assert.Equal(2, after.ExitCode);
        Assert.Contains("the lab is not up", after.StandardError);
    }

    [Fact]
    public async Task Down_after_an_up_killed_halfway_removes_what_it_made()
    {
        LabPrerequisites.Require();
        using var lab = new LabFiles("{}");
        using (var up = new LabProcess("netmob lab up", CommandRunner.Start(AgentLab.Netmob, ["lab", "up", "--config", lab.Config])))
        {
            // Killed once its namespaces are made and its first agent is recorded (up says so on its output, after the
            // state is on disk), before it has finished: the next agent still has to start and serve.
            await up.WaitForOutputAsync("agent ", Bound);
            var seen = ReadState(lab.StateDirectory);
            Assert.True(seen is { Agents.Count: >= 1, Complete: false }, $"up was not seen halfway: {up.Output}");
            CommandRunner.Run("kill", ["-KILL", up.Id.ToString()], Bound);
            await up.WaitForExitAsync(Bound);
        }
        Assert.False(ReadState(lab.StateDirectory)!.Complete);
        Assert.True(NetNamespace.Exists($"{lab.Name}-core"));

        var status = Netmob("lab", "status", "--config", lab.Config);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains("INCOMPLETE", status.StandardOutput);
        var down = Netmob("lab", "down", "--config", lab.Config);
        Assert.True(down.Succeeded, down.StandardError);
        Assert.Contains($"removed namespace {lab.Name}-core", down.StandardOutput);
        lab.AssertNothingLeft();
    }

    [Theory]
    [InlineData("""{"name": "Lab1"}""", "name: 'Lab1' is not a lab name (1 to 8 lower-case letters and digits, starting with a letter)")]
    [InlineData("""{"name": "averylongname"}""", "name: 'averylongname' is not a lab name (1 to 8 lower-case letters and digits, starting with a letter)")]
    [InlineData("""{"wan": {"lossPercent": 101}}""", "wan.lossPercent: must be a number 0..100")]
    [InlineData("""{"wan": {"delay": 5}}""", "wan.delay: unknown field (expected one of: delayMs, jitterMs, lossPercent, reorderPercent, rateKbit, seed)")]
    [InlineData("""{"vm": {"attachment": "usb"}}""", "vm.attachment: 'usb' is not an attachment (namespace, bridge)")]
    [InlineData("""{"encapsulation": "vxlan"}""", "encapsulation: 'vxlan' is not an encapsulation (gre, ipip, minimal)")]
    [InlineData("""{"links": "vde"}""", "links: 'vde' is not a kind of router link (tap, packet, pcap)")]
    [InlineData("""{"stateDirectory": "relative/dir"}""", "stateDirectory: 'relative/dir' is not an absolute path")]
    [InlineData("""{"wan": {"rateKbit": -1}}""", "wan.rateKbit: must be an integer 0..100000000")]
    public void A_bad_lab_description_is_one_line_naming_file_and_key_and_exit_2(string json, string message)
    {
        using var lab = new LabFiles(json, name: false);
        foreach (var verb in new[] { "up", "down", "status" })
        {
            var result = Netmob("lab", verb, "--config", lab.Config);
            Assert.Equal(2, result.ExitCode);
            Assert.Equal($"netmob: {lab.Config}: {message}", result.StandardError.Trim());
            Assert.Equal("", result.StandardOutput);
        }
    }

    [Fact]
    public void A_lab_description_that_is_not_json_or_missing_is_one_line_and_exit_2()
    {
        using var lab = new LabFiles("{\"name\": ", name: false);
        var result = Netmob("lab", "up", "--config", lab.Config);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"netmob: {lab.Config}: ", result.StandardError);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        string missing = Path.Combine(lab.Directory, "absent.json");
        var none = Netmob("lab", "down", "--config", missing);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains(missing, none.StandardError);
        Assert.Single(none.StandardError.Trim().Split('\n'));
    }

    private static CommandResult Netmob(params string[] arguments) => CommandRunner.Run(AgentLab.Netmob, arguments, Bound);

    private static LabState? ReadState(string directory)
    {
        try
        {
            return LabState.Load(directory);
        }
        catch (LabException)
        {
            return null; // caught between the write and the rename of a new version: read it again
        }
    }

    /// <summary>Kernel ping and a kernel TCP transfer (socat) from the correspondent to the VM, checked byte for byte.</summary>
    private static void PingAndTransfer(NetNamespace corr, NetNamespace vm, string files, string where)
    {
        var ping = corr.Run(Bound, "ping", "-c", "3", "-i", "0.2", "-W", "5", LabAddresses.VmAddress);
        Assert.True(ping.Succeeded && ping.StandardOutput.Contains("3 received"), $"{where}: {ping.StandardOutput}{ping.StandardError}");
        var data = RandomNumberGenerator.GetBytes(128 * 1024);
        string sent = Path.Combine(files, "sent"), received = Path.Combine(files, "received");
        File.WriteAllBytes(sent, data);
        using var listener = vm.Start("socat", "-d", "-d", "-u", "TCP-LISTEN:5001,reuseaddr", $"OPEN:{received},creat,trunc");
        listener.WaitForOutputAsync("listening on", Bound).GetAwaiter().GetResult();
        var sender = corr.Run(Bound, "socat", "-u", $"OPEN:{sent}", $"TCP:{LabAddresses.VmAddress}:5001");
        Assert.True(sender.Succeeded, $"{where}: {sender.StandardError}");
        Assert.Equal(0, listener.WaitForExitAsync(Bound).GetAwaiter().GetResult());
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(received)));
    }

    /// <summary>A lab description with a random name and its state in a temporary folder; checks that nothing of the lab is left.</summary>
    private sealed class LabFiles : IDisposable
    {
        public LabFiles(string json, bool name = true)
        {
            Directory = System.IO.Directory.CreateTempSubdirectory("nmlabsite-").FullName;
            Name = NetNamespace.UniqueName("s");
            Config = Path.Combine(Directory, "lab.json");
            string text = json;
            if (name)
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
                node["name"] = Name;
                node["stateDirectory"] = Directory;
                text = node.ToJsonString();
            }
            File.WriteAllText(Config, text);
        }

        public string Directory { get; }
        public string Name { get; }
        public string Config { get; }
        public string StateDirectory => Path.Combine(Directory, Name);

        public void AssertNothingLeft()
        {
            var spaces = CommandRunner.Run("ip", ["netns", "list"], Bound).StandardOutput;
            Assert.DoesNotContain(Name, spaces);
            Assert.DoesNotContain(Name, CommandRunner.Run("ip", ["link", "show"], Bound).StandardOutput);
            Assert.False(System.IO.Directory.Exists(StateDirectory), $"{StateDirectory} is left");
            foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
            {
                string cmdline;
                try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")); }
                catch (IOException) { continue; }
                Assert.DoesNotContain(StateDirectory, cmdline);
            }
        }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }
}
