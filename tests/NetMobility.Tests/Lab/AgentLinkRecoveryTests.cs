using NetMobility.Lab;
using static NetMobility.Tests.Lab.AgentLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// A daemon whose device is deleted under it keeps serving its other links, says so (log and status), and picks the
/// interface up again when it comes back; a bad configuration stops it before it touches anything.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AgentLinkRecoveryTests
{
    [Fact]
    public async Task A_deleted_tap_is_reported_down_while_the_other_link_serves_and_is_picked_up_again_when_it_returns()
    {
        LabPrerequisites.Require();
        using var space = NetNamespace.Create("nmrec");
        var files = Directory.CreateTempSubdirectory("nmrec-");
        try
        {
            string suffix = space.Name[^6..];
            string a = $"nmra{suffix}", b = $"nmrb{suffix}";
            foreach (var (device, address) in new[] { (a, "10.8.1.2/24"), (b, "10.8.2.2/24") })
            {
                space.Ip("tuntap", "add", "dev", device, "mode", "tap");
                space.AddAddress(device, address);
                space.SetUp(device);
            }
            string socket = Path.Combine(files.FullName, "r.sock");
            string config = Path.Combine(files.FullName, "r.json");
            File.WriteAllText(config, $$$"""
                {"node": {"name": "r", "interfaces": [
                   {"name": "a", "mac": "02:4e:4d:08:01:01", "address": "10.8.1.1/24", "link": {"tap": "{{{a}}}", "netns": "{{{space.Name}}}", "mode": "attach", "persistent": true}},
                   {"name": "b", "mac": "02:4e:4d:08:02:01", "address": "10.8.2.1/24", "link": {"tap": "{{{b}}}", "netns": "{{{space.Name}}}", "mode": "attach", "persistent": true}}]},
                 "control": "{{{socket}}}"}
                """);
            using var daemon = StartAgent(config);
            await daemon.WaitForOutputAsync("node r started", Bound);
            Ping(space, "10.8.2.1");

            space.Ip("link", "delete", a);
            await daemon.WaitForOutputAsync($"link down: a (tap {a}", Bound);
            var down = await WaitForStatus(socket, s => Link(s, "a").GetProperty("state").GetString() == "down", "link a down");
            Assert.False(string.IsNullOrEmpty(Link(down, "a").GetProperty("problem").GetString()));
            Ping(space, "10.8.2.1");

            space.Ip("tuntap", "add", "dev", a, "mode", "tap");
            space.AddAddress(a, "10.8.1.2/24");
            space.SetUp(a);
            var up = await WaitForStatus(socket, s => Link(s, "a").GetProperty("state").GetString() == "up", "link a up again");
            Assert.Equal(1, Link(up, "a").GetProperty("reopened").GetInt32());
            Ping(space, "10.8.1.1");
            Ping(space, "10.8.2.1");
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_bad_configuration_exits_2_with_one_line_naming_file_and_key_before_anything_is_opened()
    {
        var files = Directory.CreateTempSubdirectory("nmbad-");
        try
        {
            string config = Path.Combine(files.FullName, "bad.json");
            File.WriteAllText(config, """
                {"node": {"interfaces": [{"name": "a", "mac": "02:4e:4d:08:01:01", "link": {"tap": "nmbad0", "mode": "steal"}}]}}
                """);
            var result = RunNetmob("agent", "--config", config);
            Assert.Equal(2, result.ExitCode);
            Assert.Equal($"netmob: {config}: node.interfaces[0].link.mode: 'steal' is not a mode (create, attach, create-or-attach)", result.StandardError.Trim());
            Assert.False(Directory.Exists("/sys/class/net/nmbad0"));
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    private static System.Text.Json.JsonElement Link(System.Text.Json.JsonElement status, string name) =>
        status.GetProperty("links").EnumerateArray().First(l => l.GetProperty("name").GetString() == name);

    private static void Ping(NetNamespace space, string address)
    {
        var ping = space.Run(Bound, "ping", "-c", "2", "-i", "0.2", "-W", "5", address);
        Assert.True(ping.Succeeded && ping.StandardOutput.Contains("2 received"), ping.StandardOutput + ping.StandardError);
    }
}
