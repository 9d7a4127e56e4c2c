using NetMobility.Configuration;
using NetMobility.Mobility.Home;
using NetMobility.Replay;
using NetMobility.Runtime;
using NetMobility.Tunnels;

namespace NetMobility.Tests.Replay;

/// <summary>
/// <c>node.tunnelQueueCapacity</c>: the per-node bound on decapsulated packets waiting for the node, which every tunnel
/// interface and the home agent's reverse-tunnel port take (the daemon reads the same schema).
/// </summary>
public class TunnelQueueConfigTests
{
    private static ReplayNode Build(string queue) => ReplayNode.Build(ConfigElement.Parse($$"""
        { "name": "ha", QUEUE
          "interfaces": [ { "name": "home", "mac": "02:00:00:00:0a:02", "address": "10.1.0.2/24" } ],
          "tunnels": [ { "name": "gre1", "type": "gre", "local": "10.1.0.2", "remote": "192.0.2.9", "address": "10.255.0.1/30" } ],
          "roles": [ { "type": "home-agent", "interface": "home" } ] }
        """.Replace("QUEUE", queue), "node.json"), new Simulation(new ManualTimeProvider()).Loop, MobilityRoles.AddTo(new ReplayRoles()));

    [Fact]
    public void Every_tunnel_queue_of_the_node_takes_the_configured_capacity()
    {
        using var node = Build("\"tunnelQueueCapacity\": 4096,");
        Assert.Equal(4096, node.Tunnels.InboundQueueCapacity);
        var tunnel = Assert.IsType<TunnelInterface>(Assert.Single(node.Node.Interfaces, i => i.Name == "gre1").PacketLink);
        Assert.Equal(4096, tunnel.QueueCapacity);
        Assert.Equal(4096, Assert.IsType<HomeAgent>(Assert.Single(node.Roles)).ReverseQueueCapacity);
    }

    [Fact]
    public void Without_it_the_default_applies_and_a_bad_value_names_the_field()
    {
        using (var node = Build(""))
            Assert.Equal(TunnelInterface.DefaultQueueCapacity, Assert.IsType<HomeAgent>(Assert.Single(node.Roles)).ReverseQueueCapacity);
        var error = Assert.Throws<ConfigException>(() => Build("\"tunnelQueueCapacity\": 0,"));
        Assert.StartsWith("node.json: tunnelQueueCapacity: must be an integer 1..65536", error.Message);
    }
}
