using System.Text.Json;
using NetMobility.Lab;
using NetMobility.Links;
using static NetMobility.Tests.Lab.AgentLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// A <c>netmob agent</c> daemon whose interfaces sit on veth ends through an AF_PACKET socket (<c>{"packet": ...}</c>)
/// and through libpcap with a filter (<c>{"pcap": ..., "filter": ...}</c>): the kernels on the far ends ping it, a
/// deleted veth is reported down while the other link serves and is picked up again when it returns, and a capture
/// filter that does not compile stops the daemon with one line naming the key.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AgentInterfaceLinkTests
{
    [Fact]
    public async Task A_daemon_serves_packet_and_pcap_links_on_veths_and_picks_a_deleted_veth_up_again()
    {
        LabPrerequisites.Require();
        LabPrerequisites.RequirePcap();
        using var a = new VethPair("10.8.3.2/24");
        using var b = new VethPair("10.8.4.2/24");
        var files = Directory.CreateTempSubdirectory("nmifl-");
        try
        {
            string socket = Path.Combine(files.FullName, "r.sock");
            string config = Path.Combine(files.FullName, "r.json");
            File.WriteAllText(config, $$$"""
                {"node": {"name": "r", "interfaces": [
                   {"name": "a", "mac": "02:4e:4d:08:03:01", "address": "10.8.3.1/24", "link": {"packet": "{{{a.WireDevice}}}", "netns": "{{{a.Wire.Name}}}"}},
                   {"name": "b", "mac": "02:4e:4d:08:04:01", "address": "10.8.4.1/24", "link": {"pcap": "{{{b.WireDevice}}}", "netns": "{{{b.Wire.Name}}}", "filter": "arp or icmp"}}]},
                 "control": "{{{socket}}}"}
                """);
            using var daemon = StartAgent(config);
            await daemon.WaitForOutputAsync("node r started", Bound);
            Ping(a.Kernel, "10.8.3.1");
            Ping(b.Kernel, "10.8.4.1");
            var status = Status(socket);
            Assert.Equal($"packet {a.WireDevice} in netns {a.Wire.Name}", Link(status, "a").GetProperty("device").GetString());
            Assert.Equal($"pcap {b.WireDevice} 'arp or icmp' in netns {b.Wire.Name}", Link(status, "b").GetProperty("device").GetString());

            a.Delete();
            await daemon.WaitForOutputAsync($"link down: a (packet {a.WireDevice}", Bound);
            var down = await WaitForStatus(socket, s => Link(s, "a").GetProperty("state").GetString() == "down", "link a down");
            Assert.StartsWith($"interface {a.WireDevice}", Link(down, "a").GetProperty("problem").GetString());
            Ping(b.Kernel, "10.8.4.1");

            a.Add("10.8.3.2/24");
            var up = await WaitForStatus(socket, s => Link(s, "a").GetProperty("state").GetString() == "up", "link a up again");
            Assert.Equal(1, Link(up, "a").GetProperty("reopened").GetInt32());
            Ping(a.Kernel, "10.8.3.1");
            Ping(b.Kernel, "10.8.4.1");
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_capture_filter_that_does_not_compile_exits_2_with_one_line_naming_the_key()
    {
        LabPrerequisites.RequirePcap();
        var files = Directory.CreateTempSubdirectory("nmifl-");
        try
        {
            string config = Path.Combine(files.FullName, "bad.json");
            File.WriteAllText(config, """
                {"node": {"interfaces": [{"name": "a", "mac": "02:4e:4d:08:01:01", "link": {"pcap": "nmbad0", "filter": "arp or or"}}]}}
                """);
            var result = RunNetmob("agent", "--config", config);
            Assert.Equal(2, result.ExitCode);
            string reason = PcapLink.CheckFilter("arp or or")!;
            Assert.Equal($"netmob: {config}: node.interfaces[0].link.filter: 'arp or or' is not a capture filter: {reason}", result.StandardError.Trim());
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    private static JsonElement Link(JsonElement status, string name) =>
        status.GetProperty("links").EnumerateArray().First(l => l.GetProperty("name").GetString() == name);

    private static void Ping(NetNamespace space, string address)
    {
        var ping = space.Run(Bound, "ping", "-c", "2", "-i", "0.2", "-W", "5", address);
        Assert.True(ping.Succeeded && ping.StandardOutput.Contains("2 received"), ping.StandardOutput + ping.StandardError);
    }
}
