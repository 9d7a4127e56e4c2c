using Microsoft.Extensions.Logging.Abstractions;
using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Host;
using NetMobility.Wire;

namespace NetMobility.Tests.Host;

/// <summary>The agent daemon's configuration: one check before any device is touched, naming file, key path and reason; overrides laid over the file.</summary>
public sealed class AgentConfigTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("nmagent-");

    private const string Good = """
        {
          // a foreign router: one TAP towards the WAN, one segment for the VMs it hosts
          "node": {
            "name": "foreign",
            "interfaces": [
              {"name": "wan", "mac": "02:00:00:00:02:01", "address": "198.51.100.1/30", "link": {"tap": "nmfw0", "netns": "core", "mode": "attach", "persistent": true}},
              {"name": "lan", "mac": "02:00:00:00:02:02", "address": "10.2.0.1/24", "link": {"segment": "lan"}},
            ],
            "routes": [{"prefix": "0.0.0.0/0", "via": "198.51.100.2"}],
            "roles": [{"type": "foreign-agent", "interface": "lan", "careOf": "198.51.100.1", "advertisementIntervalMs": 1000}]
          },
          "vms": [{"name": "vm1", "interface": "lan", "link": {"tap": "vm0", "netns": "vm", "mode": "attach", "persistent": true},
                   "mac": "02:00:00:00:00:50", "homeAddress": "10.1.0.50", "homeAgent": "10.1.0.1", "spi": 300, "key": "k", "attached": false}],
          "control": "/run/netmob/foreign.sock",
          "capture": "/tmp/foreign.pcapng",
          "Logging": {"LogLevel": {"Default": "Information"}}
        }
        """;

    private string Write(string text)
    {
        string path = Path.Combine(_dir.FullName, $"agent{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_good_file_checks_out_with_its_links_vms_socket_and_capture()
    {
        var config = AgentConfig.Load(Write(Good), []);

        Assert.Equal("foreign", config.Name);
        Assert.Equal("/run/netmob/foreign.sock", config.ControlSocket);
        Assert.Equal("/tmp/foreign.pcapng", config.CapturePath);
        Assert.Single(config.Vms);
    }

    [Theory]
    [InlineData("\"mode\": \"attach\"", "\"mode\": \"borrow\"", "node.interfaces[0].link.mode: 'borrow' is not a mode")]
    [InlineData("{\"segment\": \"lan\"}", "{\"wire\": \"lan\"}", "node.interfaces[1].link: needs one of \"tap\", \"packet\", \"pcap\" or \"segment\"")]
    [InlineData("{\"segment\": \"lan\"}", "{\"packet\": \"eth1\", \"mode\": \"attach\"}", "node.interfaces[1].link.mode: unknown field")]
    [InlineData("{\"segment\": \"lan\"}", "{\"pcap\": \"eth1\", \"filter\": \"port\"}", "node.interfaces[1].link.filter: 'port' is not a capture filter: ")]
    [InlineData("{\"segment\": \"lan\"}", "{\"pcap\": \"eth1/x\"}", "node.interfaces[1].link.pcap: 'eth1/x' is not an interface name")]
    [InlineData("\"tap\": \"nmfw0\"", "\"tap\": \"a-name-far-too-long\"", "node.interfaces[0].link.tap: 'a-name-far-too-long' is not an interface name")]
    [InlineData("\"netns\": \"core\"", "\"netns\": \"../etc\"", "node.interfaces[0].link.netns: '../etc' is not a network namespace name")]
    [InlineData("\"persistent\": true}},", "\"persistent\": true, \"speed\": 10}},", "node.interfaces[0].link.speed: unknown field")]
    [InlineData("\"interface\": \"lan\", \"link\"", "\"interface\": \"wan\", \"link\"", "vms[0].interface: 'wan' is not an interface with a segment link")]
    [InlineData("{\"tap\": \"vm0\", \"netns\": \"vm\", \"mode\": \"attach\", \"persistent\": true}", "{\"segment\": \"vm0\"}", "vms[0].link: a VM's interface is a TAP device")]
    [InlineData("\"homeAgent\": \"10.1.0.1\"", "\"homeAgent\": \"10.1.0\"", "vms[0].homeAgent: '10.1.0' is not an IPv4 address")]
    [InlineData("/tmp/foreign.pcapng", "/tmp/foreign.txt", "capture: must end in .pcap or .pcapng")]
    [InlineData("\"control\"", "\"controls\"", "controls: unknown field")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"vm\": \"vm9\"}, \"control\"", "migration.vm: 'vm9' is not a vm of \"vms\"")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"7000\"}, \"control\"", "migration.listen: '7000' is not ADDR:PORT")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"cert\": \"/nonexistent.pem\", \"key\": \"/nonexistent.key\", \"peerPin\": \"00\"}, \"control\"", "migration.cert: no such file /nonexistent.pem")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"key\": \"/k.pem\"}, \"control\"", "migration.key: needs \"cert\"")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"outputDirectory\": \"/nonexistent-dir\"}, \"control\"", "migration.outputDirectory: no such directory /nonexistent-dir")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"qemu\": {\"qmp\": \"vm.qmp\", \"ram\": \"/dev/shm/vm\"}}, \"control\"", "migration.qemu.qmp: 'vm.qmp' is not an absolute path")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"qemu\": {\"qmp\": \"/run/vm.qmp\"}}, \"control\"", "migration.qemu.ram")]
    [InlineData("\"control\"", "\"migration\": {\"listen\": \"0.0.0.0:7000\", \"qemu\": {\"qmp\": \"/run/vm.qmp\", \"ram\": \"/dev/shm/vm\", \"pid\": 1}}, \"control\"", "migration.qemu.pid: unknown field")]
    [InlineData("\"careOf\": \"198.51.100.1\"", "\"careOf\": \"198.51.100.9\"", "node.roles[0].careOf")]
    [InlineData("\"persistent\": true}},", "\"persistent\": true}, \"impairment\": {\"lossPercent\": 120}},", "node.interfaces[0].impairment.lossPercent: must be a number 0..100")]
    [InlineData("\"persistent\": true}},", "\"persistent\": true}, \"impairment\": {\"delay\": 5}},", "node.interfaces[0].impairment.delay: unknown field")]
    [InlineData("\"persistent\": true}},", "\"persistent\": true}, \"impairment\": {\"delayMs\": -1}},", "node.interfaces[0].impairment.delayMs: must be a number of milliseconds")]
    public void Each_kind_of_mistake_is_named_by_file_key_path_and_reason(string from, string to, string expected)
    {
        Assert.Contains(from, Good);
        string path = Write(Good.Replace(from, to));

        var error = Assert.Throws<ConfigException>(() => AgentConfig.Load(path, []));

        Assert.StartsWith($"{path}: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void An_interface_impairment_is_read_with_every_field()
    {
        string path = Write(Good.Replace("\"persistent\": true}},", "\"persistent\": true}, \"impairment\": {\"delayMs\": 12.5, \"jitterMs\": 1, \"lossPercent\": 2, \"reorderPercent\": 3, \"duplicatePercent\": 4, \"rateKbit\": 1000, \"limit\": 50, \"seed\": 9}},"));
        var config = AgentConfig.Load(path, []);

        var impairment = LinkImpairment.Read(config.Node.Items("interfaces")[0]);

        Assert.NotNull(impairment);
        Assert.Equal(TimeSpan.FromMilliseconds(12.5), impairment.Latency);
        Assert.Equal(TimeSpan.FromMilliseconds(1), impairment.Jitter);
        Assert.Equal(0.02, impairment.Loss, 6);
        Assert.Equal(0.03, impairment.Reordering, 6);
        Assert.Equal(0.04, impairment.Duplication, 6);
        Assert.Equal(1_000_000, impairment.BandwidthBitsPerSecond);
        Assert.Equal(50, impairment.Limit);
        Assert.Equal(9UL, impairment.Seed);
        Assert.Null(LinkImpairment.Read(config.Node.Items("interfaces")[1]));
    }

    [Theory]
    [InlineData("home.json")]
    [InlineData("foreign.json")]
    [InlineData("veth-router.json")]
    public void The_sample_lab_configurations_check_out(string name)
    {
        var config = AgentConfig.Load(RepositoryFiles.Path("tools", "agent", name), []);
        Assert.Equal(Path.GetFileNameWithoutExtension(name), config.Name);
    }

    [Fact]
    public void Overrides_from_the_environment_and_command_line_replace_file_values_with_their_kind()
    {
        string path = Write(Good);
        var config = AgentConfig.Load(path, [new("node:interfaces:0:mtu", "1400"), new("control", "/tmp/x.sock"), new("vms:0:attached", "true")]);

        Assert.Equal(1400, config.Node.Items("interfaces")[0].Get("mtu").AsInteger(0, 9000));
        Assert.Equal("/tmp/x.sock", config.ControlSocket);
        Assert.True(config.Vms[0].Get("attached").AsBool());
        var error = Assert.Throws<ConfigException>(() => AgentConfig.Load(path, [new("node:interfaces:0:mtu", "big")]));
        Assert.Contains("node.interfaces[0].mtu: must be an integer", error.Message);
        var index = Assert.Throws<ConfigException>(() => AgentConfig.Load(path, [new("node:interfaces:5:mtu", "1400")]));
        Assert.Contains("not an index of an array of 2", index.Message);
    }

    [Fact]
    public void The_command_line_and_environment_are_read_as_the_configuration_system_reads_them()
    {
        Environment.SetEnvironmentVariable("NETMOB_node__name", "renamed");
        try
        {
            var overrides = ConfigOverrides.Read(["--control=/tmp/y.sock"]);
            var config = AgentConfig.Load(Write(Good), overrides);
            Assert.Equal("renamed", config.Name);
            Assert.Equal("/tmp/y.sock", config.ControlSocket);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NETMOB_node__name", null);
        }
    }

    [Fact]
    public void A_reload_applies_a_new_advertisement_interval_and_keeps_the_rest_as_it_runs()
    {
        // Segment links only: the node builds without devices, and the loop is driven by this test's thread.
        string text = """
            {"node": {"name": "fa", "interfaces": [{"name": "lan", "mac": "02:00:00:00:03:01", "address": "10.2.0.1/24", "link": {"segment": "lan"}}],
                      "roles": [{"type": "foreign-agent", "interface": "lan", "advertisementIntervalMs": 1000}]},
             "control": "/tmp/fa.sock"}
            """;
        string path = Write(text);
        var loop = new RealTimeLoop();
        using var agent = AgentNode.Start(AgentConfig.Load(path, []), loop, NullLogger.Instance);
        Assert.Equal(TimeSpan.FromSeconds(1), agent.ForeignAgent!.Advertiser.Options.AdvertisementInterval);

        File.WriteAllText(path, text.Replace("\"advertisementIntervalMs\": 1000", "\"advertisementIntervalMs\": 3000"));
        string applied = agent.Reload(AgentConfig.Load(path, []));

        Assert.Equal(TimeSpan.FromMilliseconds(3000), agent.ForeignAgent.Advertiser.Options.AdvertisementInterval);
        Assert.Contains("every 3000 ms, lifetime 9 s", applied);

        File.WriteAllText(path, text.Replace("10.2.0.1/24", "10.2.0.2/24"));
        agent.Reload(AgentConfig.Load(path, []));
        Assert.Contains("10.2.0.1/24", agent.Config.Node.Items("interfaces")[0].Get("address").AsString());
        Assert.Equal(1, agent.Node.Interfaces.Count(i => i.Address.ToString() == "10.2.0.1"));
    }

    /// <summary>
    /// B held on (RFC 5944 sec 2.1.1) and U (RFC 3519 sec 3.4) are advertisement settings too: a reload applies them in
    /// place, to the advertisement and, for B, to the relay that denies new visitors with 66, and needs no restart.
    /// </summary>
    [Fact]
    public void A_reload_applies_busy_and_the_udp_tunnelling_flag_to_the_advertisement_and_the_relay()
    {
        string text = """
            {"node": {"name": "fa", "interfaces": [{"name": "lan", "mac": "02:00:00:00:03:01", "address": "10.2.0.1/24", "link": {"segment": "lan"}}],
                      "roles": [{"type": "foreign-agent", "interface": "lan", "udpTunnel": "request"}]},
             "control": "/tmp/fa.sock"}
            """;
        string path = Write(text);
        var loop = new RealTimeLoop();
        using var agent = AgentNode.Start(AgentConfig.Load(path, []), loop, NullLogger.Instance);
        var foreign = agent.ForeignAgent!;
        Assert.Equal(MobilityAgentFlags.UdpTunneling, foreign.Advertiser.Flags & (MobilityAgentFlags.UdpTunneling | MobilityAgentFlags.Busy));
        Assert.False(foreign.Relay.Options.Busy);

        File.WriteAllText(path, text.Replace("\"udpTunnel\": \"request\"", "\"udpTunnel\": \"request\", \"busy\": true, \"udpTunnelling\": false"));
        string applied = agent.Reload(AgentConfig.Load(path, []));
        Assert.Equal(MobilityAgentFlags.Busy, foreign.Advertiser.Flags & (MobilityAgentFlags.UdpTunneling | MobilityAgentFlags.Busy));
        Assert.True(foreign.Relay.Options.Busy);
        Assert.Contains("Busy", applied);
        Assert.True(agent.Config.Node.Items("roles")[0].Get("busy").AsBool());

        File.WriteAllText(path, text);
        agent.Reload(AgentConfig.Load(path, []));
        Assert.Equal(MobilityAgentFlags.UdpTunneling, foreign.Advertiser.Flags & (MobilityAgentFlags.UdpTunneling | MobilityAgentFlags.Busy));
        Assert.False(foreign.Relay.Options.Busy);
    }

    /// <summary>The U bit advertises UDP tunnelling, which an agent that does not ask for it would not do: a configuration error.</summary>
    [Fact]
    public void The_udp_tunnelling_flag_without_udp_tunnelling_is_a_configuration_error()
    {
        string text = """
            {"node": {"name": "fa", "interfaces": [{"name": "lan", "mac": "02:00:00:00:03:01", "address": "10.2.0.1/24", "link": {"segment": "lan"}}],
                      "roles": [{"type": "foreign-agent", "interface": "lan", "udpTunnelling": true}]},
             "control": "/tmp/fa.sock"}
            """;
        string path = Write(text);
        var error = Assert.Throws<ConfigException>(() => AgentConfig.Load(path, []));
        Assert.Contains("node.roles[0].udpTunnelling", error.Message);
        Assert.Contains("needs udpTunnel \"request\" or \"force\"", error.Message);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
