using NetMobility.Cli;
using NetMobility.Replay;

namespace NetMobility.Tests.Replay;

/// <summary>The home-agent and foreign-agent roles of a replayed node: what their settings say, and the one-line errors for bad ones.</summary>
public class MobilityRoleConfigTests
{
    private static readonly string Case = RepositoryFiles.Path("captures", "replay", "home-agent");

    private static string ReplayError(string roles)
    {
        var dir = Directory.CreateTempSubdirectory("netmob-roles-").FullName;
        string config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, """
            { "node": { "interfaces": [ { "name": "home", "mac": "02:00:00:00:0a:02", "address": "10.1.0.2/24" },
                                        { "name": "bare", "mac": "02:00:00:00:0a:03" } ],
                        "roles": [ ROLE ] } }
            """.Replace("ROLE", roles));
        var error = Assert.Throws<UserInputException>(() =>
            ReplayCommand.Run(Path.Combine(Case, "in.pcap"), config, Path.Combine(dir, "out.pcap"), TextWriter.Null));
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith(config + ": ", error.Message);
        return error.Message[(config.Length + 2)..];
    }

    private const string Node = """ "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 4096, "key": "k" } ] """;

    [Theory]
    [InlineData("""{ "type": "home-agent" }""", "node.roles[0].interface: is required")]
    [InlineData("""{ "type": "home-agent", "interface": "eth9" }""", "node.roles[0].interface: the node has no interface 'eth9'")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "maxLifetyme": 5 }""", "node.roles[0].maxLifetyme: unknown field")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "address": "10.1.0.9" }""", "node.roles[0].address: 10.1.0.9 is not an address of the node")]
    [InlineData("""{ "type": "home-agent", "interface": "bare" }""", "node.roles[0]: needs \"address\": the interface has no address")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "encapsulations": [ "gre" ] }""", "node.roles[0].encapsulations: must include ipip")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "encapsulations": [ "ipip", "vxlan" ] }""", "node.roles[0].encapsulations[1]: 'vxlan' is not an encapsulation (ipip, gre, minimal)")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "reverseTunnel": "always" }""", "node.roles[0].reverseTunnel: 'always' is not a reverse tunnel policy")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 255, "key": "k" } ] }""", "node.roles[0].mobileNodes[0].spi: must be an integer 256..4294967295")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 4096 } ] }""", "node.roles[0].mobileNodes[0].keyHex: is required")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 4096, "keyHex": "abc" } ] }""", "node.roles[0].mobileNodes[0].keyHex: must be an even number of hex digits")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 4096, "key": "k", "keyHex": "00" } ] }""", "node.roles[0].mobileNodes[0].keyHex: give the key once")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 4096, "key": "k", "algorithm": "sha1" } ] }""", "node.roles[0].mobileNodes[0].algorithm: 'sha1' is not an algorithm (hmac-md5, keyed-md5)")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.9.0.42", "spi": 4096, "key": "k" } ] }""", "node.roles[0].mobileNodes[0].homeAddress: 10.9.0.42 is not on the home network")]
    [InlineData("""{ "type": "home-agent", "interface": "home", "mobileNodes": [ { "homeAddress": "10.1.0.42", "spi": 4096, "key": "k" }, { "homeAddress": "10.1.0.42", "spi": 4096, "key": "j" } ] }""", "node.roles[0].mobileNodes[1].spi: 10.1.0.42 already has a security association with SPI 4096")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "advertisementDestination": "10.1.0.255" }""", "node.roles[0].advertisementDestination: must be 224.0.0.1 or 255.255.255.255")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "advertisementIntervalMs": 0 }""", "node.roles[0].advertisementIntervalMs: must be a number of milliseconds 1000..1800000 (RFC 5944 sec 2.3.1")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "advertisementIntervalMs": 0.001 }""", "node.roles[0].advertisementIntervalMs: must be a number of milliseconds 1000..1800000")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "advertisementIntervalMs": 5000, "advertisementLifetime": 4 }""", "node.roles[0].advertisementLifetime: must be an integer 5..9000")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "careOf": "10.2.0.1" }""", "node.roles[0].careOf: 10.2.0.1 is not an address of the node")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "homeAgents": [ { "address": "10.1.0.2", "spi": 4096, "key": "k", "replay": "counters" } ] }""", "node.roles[0].homeAgents[0].replay: 'counters' is not a replay protection (timestamps, nonces)")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "foreignAgentService": false }""", "node.roles[0]: an agent advertisement must offer foreign agent service (F) or home agent service (H), RFC 5944 sec 2.1.1")]
    [InlineData("""{ "type": "foreign-agent", "interface": "home", "busy": "yes" }""", "node.roles[0].busy:")]
    public void Bad_role_settings_are_one_line_naming_the_field(string role, string message) =>
        Assert.StartsWith(message, ReplayError(role));

    [Fact]
    public void Both_agents_and_the_nat_are_added_to_a_catalogue_and_nothing_else_is()
    {
        var roles = MobilityRoles.AddTo(new ReplayRoles());
        Assert.Equal(["foreign-agent", "home-agent", "nat"], roles.Types.Order());
        Assert.Empty(new ReplayRoles().Types);
    }

    [Fact]
    public void A_well_formed_home_agent_role_replays()
    {
        var dir = Directory.CreateTempSubdirectory("netmob-roles-").FullName;
        string config = Path.Combine(dir, "ha.json");
        File.WriteAllText(config, """
            { "node": { "interfaces": [ { "name": "home", "mac": "02:00:00:00:0a:02", "address": "10.1.0.2/24" } ],
                        "roles": [ { "type": "home-agent", "interface": "home", "reverseTunnel": "mandatory", "encapsulations": [ "ipip", "gre" ],
                                     "gratuitousArpCount": 1, "handoverTimeoutMs": 500, NODE } ] },
              "settleMs": 0 }
            """.Replace("NODE", Node));
        Assert.Equal(0, ReplayCommand.Run(Path.Combine(Case, "in.pcap"), config, Path.Combine(dir, "out.pcap"), TextWriter.Null));
    }
}
