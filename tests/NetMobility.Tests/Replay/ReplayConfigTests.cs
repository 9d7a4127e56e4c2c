using NetMobility.Cli;
using NetMobility.Configuration;
using NetMobility.Replay;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Replay;

public class ReplayConfigTests
{
    private static readonly string Case = RepositoryFiles.Path("captures", "replay", "gre-router");

    /// <summary>Writes <paramref name="json"/> to a config file and replays the gre-router input through it; returns the error message.</summary>
    private static string ReplayError(string json)
    {
        var dir = Directory.CreateTempSubdirectory("netmob-config-").FullName;
        string config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, json);
        var error = Assert.Throws<UserInputException>(() =>
            ReplayCommand.Run(Path.Combine(Case, "in.pcapng"), config, Path.Combine(dir, "out.pcapng"), TextWriter.Null));
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith(config + ": ", error.Message);
        return error.Message[(config.Length + 2)..];
    }

    private const string Interfaces = """ "interfaces": [ { "name": "wan", "mac": "02:00:00:00:02:01", "address": "192.0.2.2/30" } ] """;

    private const string TwoInterfaces = """ "interfaces": [ { "name": "wan", "mac": "02:00:00:00:02:01", "address": "192.0.2.2/30" }, { "name": "lan", "mac": "02:00:00:00:02:02", "address": "10.2.0.1/24" } ] """;

    [Theory]
    [InlineData("{ \"node\": ", "not valid JSON at line 1")]
    [InlineData("{}", "needs exactly one of \"node\" and \"tunnel\"")]
    [InlineData("{ \"nodes\": {} }", "nodes: unknown field (expected one of: node, tunnel, settleMs, gapMs, maxOutputBytes)")]
    [InlineData("{ \"node\": { \"interfaces\": [] } }", "node: needs at least one entry in \"interfaces\"")]
    [InlineData("{ \"node\": { \"interfaces\": [ { \"mac\": \"02:00:00:00:00\" } ] } }", "node.interfaces[0].mac: '02:00:00:00:00' is not a MAC address")]
    [InlineData("{ \"node\": { \"interfaces\": [ { \"mac\": \"02:00:00:00:00:01\", \"address\": \"10.0.0.1\" } ] } }", "node.interfaces[0].address: '10.0.0.1' is not an IPv4 address with a prefix length (like 192.0.2.1/24)")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"tunnels\": [ { \"type\": \"gre\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"ikey\": -1 } ] } }", "node.tunnels[0].ikey: must be an integer 0..4294967295")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"tunnels\": [ { \"type\": \"gre\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"ikee\": 1 } ] } }", "node.tunnels[0].ikee: unknown field")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"tunnels\": [ { \"type\": \"vxlan\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\" } ] } }", "node.tunnels[0].type: 'vxlan' is not a tunnel type (gre, gretap, ipip, minimal, mipudp)")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"tunnels\": [ { \"type\": \"gre\", \"local\": \"224.0.0.1\", \"remote\": \"192.0.2.1\" } ] } }", "node.tunnels[0]: local address 224.0.0.1 is not a unicast address")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"tunnels\": [ { \"type\": \"ipip\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"iseq\": true } ] } }", "node.tunnels[0].iseq: unknown field")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"routes\": [ { \"prefix\": \"10.1.0.0/24\", \"via\": \"10.9.9.9\" } ] } }", "node.routes[0].via: gateway 10.9.9.9 is not on the network of any interface")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"routes\": [ { \"prefix\": \"10.1.0.0/24\", \"interface\": \"gre9\" } ] } }", "node.routes[0].interface: no interface or tunnel is named 'gre9' (there are: wan)")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"arp\": [ { \"interface\": \"wan\", \"address\": \"192.0.2.1\", \"proxy\": true, \"mac\": \"02:00:00:00:00:01\" } ] } }", "node.arp[0].mac: a proxy entry answers with the interface's own address: leave \"mac\" out")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"roles\": [ { \"type\": \"no-such-role\" } ] } }", "node.roles[0].type: 'no-such-role' is not a role type")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"roles\": [ { \"type\": \"nat\", \"inside\": \"lan\", \"outside\": \"wan\" } ] } }", "node.roles[0].inside: the node has no interface 'lan'")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"roles\": [ { \"type\": \"nat\", \"inside\": \"wan\", \"outside\": \"wan\" } ] } }", "node.roles[0].outside: 'wan' already belongs to a NAT: one per interface")]
    [InlineData("{ \"node\": { " + TwoInterfaces + ", \"roles\": [ { \"type\": \"nat\", \"inside\": \"lan\", \"outside\": \"wan\", \"firstPort\": 80 } ] } }", "node.roles[0].firstPort: must be an integer 1024..65535")]
    [InlineData("{ \"node\": { " + TwoInterfaces + ", \"roles\": [ { \"type\": \"nat\", \"inside\": \"lan\", \"outside\": \"wan\", \"udpIdleTimeoutMs\": 0 } ] } }", "node.roles[0].udpIdleTimeoutMs: must be more than 0")]
    [InlineData("{ \"node\": { " + Interfaces + ", \"roles\": [ { \"type\": \"nat\", \"inside\": \"wan\", \"outside\": \"wan\", \"udpIdleTimeout\": 80 } ] } }", "node.roles[0].udpIdleTimeout: unknown field")]
    [InlineData("{ \"tunnel\": { \"type\": \"gre\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"outOfOrderTimerMs\": 0 } }", "tunnel.outOfOrderTimerMs: must be more than 0")]
    [InlineData("{ \"tunnel\": { \"type\": \"mipudp\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"carries\": \"udp\" } }", "tunnel.carries: 'udp' is not \"ipip\", \"gre\" or \"minimal\"")]
    [InlineData("{ \"tunnel\": { \"type\": \"gre\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"address\": \"10.0.0.1/30\" } }", "tunnel.address: only a node's tunnel interface has an address")]
    [InlineData("{ \"tunnel\": { \"type\": \"gre\", \"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\" }, \"settleMs\": \"soon\" }", "settleMs: must be a number of milliseconds 0..3600000")]
    public void Bad_configuration_is_one_line_naming_the_file_and_the_field(string json, string message) =>
        Assert.StartsWith(message, ReplayError(json));

    [Fact]
    public void A_frame_for_an_interface_the_target_lacks_names_the_frame()
    {
        var dir = Directory.CreateTempSubdirectory("netmob-config-").FullName;
        string config = Path.Combine(dir, "one.json");
        File.WriteAllText(config, "{ \"node\": { " + Interfaces + " } }");
        string input = Path.Combine(Case, "in.pcapng");
        var error = Assert.Throws<UserInputException>(() => ReplayCommand.Run(input, config, Path.Combine(dir, "out.pcap"), TextWriter.Null));
        Assert.Equal($"{input}: frame 6: capture interface 1 has no counterpart (the target has 1)", error.Message);
    }

    [Fact]
    public void An_output_that_is_neither_pcap_nor_pcapng_is_refused_and_the_cli_exits_2()
    {
        var dir = Directory.CreateTempSubdirectory("netmob-config-").FullName;
        var root = new System.CommandLine.RootCommand();
        root.Subcommands.Add(ReplayCommand.Create());
        string output = Path.Combine(dir, "out.txt");
        var error = Assert.Throws<UserInputException>(() => ReplayCommand.Run(Path.Combine(Case, "in.pcapng"), Path.Combine(Case, "config.json"), output, TextWriter.Null));
        Assert.Equal($"{output}: the output must end in .pcap or .pcapng", error.Message);
        Assert.Equal(2, CliApp.Run(root, ["replay", Path.Combine(Case, "in.pcapng"), "--config", Path.Combine(dir, "missing.json"), "--out", Path.Combine(dir, "o.pcap")]));
        Assert.Equal(0, CliApp.Run(root, ["replay", Path.Combine(Case, "in.pcapng"), "--config", Path.Combine(Case, "config.json"), "--out", Path.Combine(dir, "o.pcapng")]));
        Assert.Equal(CapturedFrame.ReadAll(Path.Combine(Case, "expected.pcapng")), CapturedFrame.ReadAll(Path.Combine(dir, "o.pcapng")));
    }

    [Fact]
    public void Tunnel_fields_follow_ip_link()
    {
        var config = ConfigElement.Parse("""
            { "type": "gre", "local": "192.0.2.1", "remote": "192.0.2.2", "ikey": "0.0.1.2", "okey": 9, "iseq": true, "oseq": false,
              "csum": true, "ttl": 17, "tos": "inherit", "pmtudisc": true, "oversize": "refuse", "underlayMtu": 1400,
              "maxPerflowBuffer": 0, "outOfOrderTimerMs": 2.5 }
            """, "t.json");
        var tunnel = TunnelConfig.Read(config, asInterface: false);
        var gre = Assert.IsType<GreTunnelOptions>(tunnel.Options);
        Assert.Equal((TunnelKind.Gre, "gre"), (tunnel.Kind, tunnel.Name));
        Assert.Equal(Ipv4Address.Parse("192.0.2.1"), gre.Local);
        Assert.Equal(0x102u, gre.InputKey);
        Assert.Equal(9u, gre.OutputKey);
        Assert.True(gre.InputSequence);
        Assert.False(gre.OutputSequence);
        Assert.True(gre.InputChecksum && gre.OutputChecksum);
        Assert.Equal(17, gre.Ttl);
        Assert.Null(gre.Tos);
        Assert.True(gre.PathMtuDiscovery);
        Assert.Equal(OversizePolicy.Refuse, gre.Oversize);
        Assert.Equal(1400 - 20 - 12, gre.Mtu);
        Assert.Equal(0, gre.Reorder.MaxPerflowBuffer);
        Assert.Equal(TimeSpan.FromMilliseconds(2.5), gre.Reorder.OutOfOrderTimer);

        var ipip = TunnelConfig.Read(ConfigElement.Parse("""{ "type": "ipip", "local": "192.0.2.1", "remote": "192.0.2.2", "tos": 184 }""", "t.json"), asInterface: false);
        var options = Assert.IsType<IpInIpTunnelOptions>(ipip.Options);
        Assert.Equal((byte)184, options.Tos);
        Assert.Equal(0, options.Ttl);
    }

    [Fact]
    public void A_registered_role_is_built_with_the_node_and_disposed_when_the_replay_ends()
    {
        var seen = new List<string>();
        var roles = new ReplayRoles();
        roles.Register("test-recorder", (config, context) =>
        {
            config.AllowOnly("type", "watch");
            var watched = context.Interfaces[config.Get("watch").AsString()];
            context.Node.AddHook((ingress, packet) =>
            {
                if (ingress == watched) seen.Add(packet.Destination.ToString());
                return false;
            });
            return new Disposal(() => seen.Add("disposed"));
        });
        Assert.Contains("test-recorder", roles.Types);
        var dir = Directory.CreateTempSubdirectory("netmob-role-").FullName;
        string config = Path.Combine(dir, "role.json");
        var json = File.ReadAllText(Path.Combine(Case, "config.json")).Replace("\"arp\":", "\"roles\": [ { \"type\": \"test-recorder\", \"watch\": \"lan\" } ], \"arp\":");
        File.WriteAllText(config, json);
        Replayer.Run(Path.Combine(Case, "in.pcapng"), config, Path.Combine(dir, "out.pcapng"), roles);
        Assert.Equal(["10.1.0.10", "10.1.0.10", "10.1.0.10", "disposed"], seen);
    }

    private sealed class Disposal(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
