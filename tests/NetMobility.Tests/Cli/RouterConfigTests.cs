namespace NetMobility.Tests.Cli;

/// <summary>
/// Configurations a router would refuse are refused by <c>netmob replay</c> too, with exit code 2 and one line naming
/// the field: the same checks hold for the agent daemon, which reads the same schema.
/// </summary>
public sealed class RouterConfigTests : IDisposable
{
    private const string Home = """{ "name": "home", "mac": "02:00:00:00:0a:02", "address": "10.1.0.2/24" }""";
    private const string HomeAgent = """{ "type": "home-agent", "interface": "home" }""";
    private readonly string _dir = Directory.CreateTempSubdirectory("netmob-router-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Node(string interfaces, string rest = "") => $$"""{ "node": { "interfaces": [ {{interfaces}} ]{{rest}} } }""";

    private static string Tunnel(string fields) => $$"""{ "tunnel": { "type": "gre", {{fields}} } }""";

    public static TheoryData<string, string> Refused => new()
    {
        { Tunnel("\"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"key\": 1, \"ikey\": 2"), "tunnel.key: sets ikey and okey both" },
        { Tunnel("\"local\": \"192.0.2.2\", \"remote\": \"192.0.2.1\", \"seq\": true, \"oseq\": false"), "tunnel.seq: sets iseq and oseq both" },
        { Tunnel("\"local\": \"192.0.2.2\", \"remote\": \"192.0.2.2\""), "tunnel: local and remote are both 192.0.2.2" },
        { Node(Home + """, { "name": "b", "mac": "02:00:00:00:0b:02", "address": "10.1.0.2/16" }"""),
            "node.interfaces[1].address: 10.1.0.2 is already the address at node.interfaces[0].address" },
        { Node(Home + """, { "name": "b", "mac": "02:00:00:00:0a:02", "address": "10.2.0.2/24" }"""),
            "node.interfaces[1].mac: 02:00:00:00:0a:02 is already the hardware address at node.interfaces[0].mac" },
        { Node("""{ "mac": "03:00:00:00:0a:02", "address": "10.1.0.2/24" }"""), "node.interfaces[0].mac: 03:00:00:00:0a:02 is a group address" },
        { Node("""{ "mac": "00:00:00:00:00:00", "address": "10.1.0.2/24" }"""), "node.interfaces[0].mac: 00:00:00:00:00:00 is all zeros" },
        { Node("""{ "mac": "02:00:00:00:0a:02", "address": "10.1.0.0/24" }"""), "node.interfaces[0].address: 10.1.0.0 is the network address of 10.1.0.0/24" },
        { Node("""{ "mac": "02:00:00:00:0a:02", "address": "10.1.0.255/24" }"""), "node.interfaces[0].address: 10.1.0.255 is the broadcast address of 10.1.0.0/24" },
        { Node(Home, """, "routes": [ { "prefix": "10.9.0.5/16", "via": "10.1.0.1" } ]"""),
            "node.routes[0].prefix: '10.9.0.5/16' has host bits set: the prefix is 10.9.0.0/16" },
        { Node(Home, """, "routes": [ { "prefix": "10.9.0.0/16", "via": "10.1.0.255" } ]"""), "node.routes[0].via: 10.1.0.255 is the broadcast address" },
        { Node(Home, """, "arp": [ { "interface": "home", "address": "10.1.0.1", "mac": "02:00:00:00:01:01" }, { "interface": "home", "address": "10.1.0.1", "mac": "02:00:00:00:01:02" } ]"""),
            "node.arp[1].address: 10.1.0.1 on home already has an entry (node.arp[0])" },
        { Node(Home, """, "arp": [ { "interface": "home", "address": "10.1.0.1", "mac": "02:00:00:00:01:01" }, { "interface": "home", "address": "10.1.0.1", "proxy": true } ]"""),
            "node.arp[1].address: 10.1.0.1 on home already has an entry (node.arp[0])" },
        { Node(Home, $$""", "roles": [ {{HomeAgent}}, {{HomeAgent}} ]"""), "node.roles[1].interface: 'home' already has a home-agent" },
        { Node(Home, """, "tunnels": [ { "name": "t", "type": "gre", "local": "10.1.0.2", "remote": "10.1.0.2" } ]"""), "node.tunnels[0]: local and remote are both 10.1.0.2" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_configuration_a_router_would_refuse_is_refused_naming_the_field(string json, string message)
    {
        string config = Path.Combine(_dir, "c.json");
        File.WriteAllText(config, json);
        var result = Netmob.Run("replay", RepositoryFiles.Path("captures", "replay", "home-agent", "in.pcap"), "--config", config, "--out", Path.Combine(_dir, "o.pcap"));
        Netmob.AssertRefused(result, $"{config}: {message}");
        Assert.False(File.Exists(Path.Combine(_dir, "o.pcap")));
    }

    public static TheoryData<string> Accepted => new()
    {
        Node("""{ "mac": "02:00:00:00:0a:02", "address": "10.1.0.0/31" }"""),   // RFC 3021: both addresses of a /31 are hosts
        Node("""{ "mac": "02:00:00:00:0a:02", "address": "10.1.0.7/32" }"""),
        Node(Home + """, { "name": "b", "mac": "02:00:00:00:0b:02" }"""),        // two interfaces without an address
        Node(Home, """, "arp": [ { "interface": "home", "address": "10.1.0.1", "mac": "02:00:00:00:01:01" }, { "interface": "home", "address": "10.1.0.3", "proxy": true } ]"""),
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_configuration_a_router_takes_is_taken(string json)
    {
        string config = Path.Combine(_dir, "c.json");
        File.WriteAllText(config, json);
        var result = Netmob.Run("replay", RepositoryFiles.Path("captures", "replay", "home-agent", "in.pcap"), "--config", config, "--out", Path.Combine(_dir, "o.pcap"));
        Assert.True(result.ExitCode == 0, result.StandardError);
    }
}
