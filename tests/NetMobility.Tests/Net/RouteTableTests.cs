using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Tests.Net;

public class RouteTableTests
{
    private static readonly Ipv4Address Gw1 = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address Gw2 = Ipv4Address.Parse("10.0.0.2");

    private static (Node Node, NetInterface Lan, NetInterface Wan) Router()
    {
        var sim = new Simulation();
        var node = new Node(sim.Loop, "r", new NodeOptions { Forwarding = true });
        var lan = node.AddInterface(new PointToPointWire(sim.Loop, "lan", new MacAddress(1), new MacAddress(2)).A, Ipv4Address.Parse("10.0.0.254"), 24);
        var wan = node.AddInterface(new PointToPointWire(sim.Loop, "wan", new MacAddress(3), new MacAddress(4)).A, Ipv4Address.Parse("192.0.2.1"), 30);
        return (node, lan, wan);
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.0/24")]
    [InlineData("10.1.3.3", "10.1.0.0/16")]
    [InlineData("10.2.0.1", "10.0.0.0/8")]
    [InlineData("10.1.2.200", "10.1.2.128/25")]
    [InlineData("10.1.2.129", "10.1.2.129/32")]
    [InlineData("8.8.8.8", "0.0.0.0/0")]
    [InlineData("10.0.0.9", "10.0.0.0/24")] // the connected route of the lan interface beats 10/8
    public void The_longest_matching_prefix_wins(string destination, string expected)
    {
        var (node, lan, _) = Router();
        node.SetDefaultRoute(Gw1);
        foreach (var prefix in new[] { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.128/25", "10.1.2.129/32" })
            node.AddRoute(Ipv4Prefix.Parse(prefix), Gw2);

        var route = node.Routes.Lookup(Ipv4Address.Parse(destination));
        Assert.NotNull(route);
        Assert.Equal(Ipv4Prefix.Parse(expected), route.Destination);
        Assert.Same(lan, route.Interface);
    }

    [Fact]
    public void Connected_routes_are_on_link_and_gateways_resolve_to_their_interface()
    {
        var (node, lan, wan) = Router();
        var viaWan = node.AddRoute(Ipv4Prefix.Parse("172.16.0.0/12"), Ipv4Address.Parse("192.0.2.2"));
        Assert.Same(wan, viaWan.Interface);
        Assert.Equal(Ipv4Address.Parse("192.0.2.2"), viaWan.NextHop(Ipv4Address.Parse("172.16.5.5")));

        var connected = node.Routes.Lookup(Ipv4Address.Parse("10.0.0.7"))!;
        Assert.True(connected.IsOnLink);
        Assert.Same(lan, connected.Interface);
        Assert.Equal(Ipv4Address.Parse("10.0.0.7"), connected.NextHop(Ipv4Address.Parse("10.0.0.7")));
        Assert.Equal("10.0.0.0/24 dev lan.a", connected.ToString());

        Assert.Throws<InvalidOperationException>(() => node.AddRoute(Ipv4Prefix.Parse("1.0.0.0/8"), Ipv4Address.Parse("203.0.113.1")));
    }

    [Fact]
    public void No_route_without_a_default_and_routes_can_be_replaced_and_removed()
    {
        var (node, _, wan) = Router();
        Assert.Null(node.Routes.Lookup(Ipv4Address.Parse("8.8.8.8")));
        Assert.Equal(2, node.Routes.Count);

        node.SetDefaultRoute(Gw1);
        node.SetDefaultRoute(Ipv4Address.Parse("192.0.2.2"));
        Assert.Equal(3, node.Routes.Count);
        Assert.Same(wan, node.Routes.Lookup(Ipv4Address.Parse("8.8.8.8"))!.Interface);

        Assert.True(node.Routes.Remove(Ipv4Prefix.Default));
        Assert.False(node.Routes.Remove(Ipv4Prefix.Default));
        Assert.Null(node.Routes.Lookup(Ipv4Address.Parse("8.8.8.8")));
        node.Routes.RemoveAll(wan);
        Assert.Null(node.Routes.Lookup(Ipv4Address.Parse("192.0.2.2")));
        Assert.Single(node.Routes.Routes());
    }

    [Theory]
    [InlineData("10.1.2.3/24", "10.1.2.0", 24, "10.1.2.255")]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0, "255.255.255.255")]
    [InlineData("192.0.2.1/32", "192.0.2.1", 32, "192.0.2.1")]
    public void Prefixes_parse_and_clear_host_bits(string text, string network, int length, string broadcast)
    {
        Assert.True(Ipv4Prefix.TryParse(text, out var prefix));
        Assert.Equal(Ipv4Address.Parse(network), prefix.Network);
        Assert.Equal(length, prefix.Length);
        Assert.Equal(Ipv4Address.Parse(broadcast), prefix.Broadcast);
        Assert.True(prefix.Contains(Ipv4Address.Parse(network)));
    }

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0/8")]
    [InlineData("10.0.0.0/8x")]
    public void Bad_prefixes_are_refused(string text) => Assert.False(Ipv4Prefix.TryParse(text, out _));
}
