using NetMobility.Configuration;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

namespace NetMobility.Replay;

/// <summary>
/// <c>{"type": "home-agent", ...}</c> in a replayed node's roles: a <see cref="HomeAgent"/> on one of its interfaces.
/// Fields: <c>interface</c> (the home link, required), <c>address</c> (default: the interface's), <c>maxLifetime</c>,
/// <c>encapsulations</c>, <c>reverseTunnel</c>, <c>checkReverseTunnelSource</c>, <c>simultaneousBindings</c>,
/// <c>bindingCapacity</c>, <c>gratuitousArpCount</c>, <c>gratuitousArpIntervalMs</c>, <c>handoverTimeoutMs</c>,
/// <c>mobileNodes</c> (security associations with <c>homeAddress</c>, and optionally the node's <c>mac</c>) and
/// <c>foreignAgents</c> (security associations with <c>address</c>).
/// </summary>
internal static class HomeAgentRole
{
    public const string Type = "home-agent";

    public static IDisposable Create(ConfigElement config, ReplayNodeContext context)
    {
        config.AllowOnly("type", "interface", "address", "maxLifetime", "encapsulations", "reverseTunnel", "checkReverseTunnelSource",
            "simultaneousBindings", "bindingCapacity", "gratuitousArpCount", "gratuitousArpIntervalMs", "handoverTimeoutMs",
            "mobileNodes", "foreignAgents", "udpTunnelling", "udpKeepalive");
        var home = MobilityConfig.ReadInterface(config, context, Type);
        var defaults = new HomeAgentOptions { Address = home.Address, HomePrefixLength = home.Prefix.Length };
        var options = defaults with
        {
            Address = MobilityConfig.ReadLocalAddress(config, "address", home.Address, context),
            MaxLifetime = config.TryGet("maxLifetime", out var life) ? (ushort)life.AsInteger(1, ushort.MaxValue) : defaults.MaxLifetime,
            Encapsulations = MobilityConfig.ReadEncapsulations(config, "encapsulations"),
            ReverseTunnel = MobilityConfig.ReadReverseTunnel(config, "reverseTunnel"),
            CheckReverseTunnelSource = !config.TryGet("checkReverseTunnelSource", out var check) || check.AsBool(),
            MaxSimultaneousBindings = config.TryGet("simultaneousBindings", out var s) ? (int)s.AsInteger(1, 64) : defaults.MaxSimultaneousBindings,
            BindingCapacity = config.TryGet("bindingCapacity", out var c) ? (int)c.AsInteger(1, 10_000_000) : defaults.BindingCapacity,
            GratuitousArpCount = config.TryGet("gratuitousArpCount", out var g) ? (int)g.AsInteger(1, 100) : defaults.GratuitousArpCount,
            GratuitousArpInterval = config.TryGet("gratuitousArpIntervalMs", out var gi)
                ? MobilityConfig.ReadPositiveMilliseconds(gi, TimeSpan.FromMinutes(1)) : defaults.GratuitousArpInterval,
            UdpTunnelling = !config.TryGet("udpTunnelling", out var udp) || udp.AsBool(),
            UdpKeepaliveInterval = config.TryGet("udpKeepalive", out var keepalive) ? (ushort)keepalive.AsInteger(1, ushort.MaxValue) : defaults.UdpKeepaliveInterval,
            HandoverTimeout = config.TryGet("handoverTimeoutMs", out var h)
                ? MobilityConfig.ReadPositiveMilliseconds(h, TimeSpan.FromHours(1)) : defaults.HandoverTimeout,
        };
        if (!options.IsOnHomeNetwork(options.Address) || home.Address.IsUnspecified)
            throw config.Get("interface").Error("the home link needs an address on the home network");

        var agent = new HomeAgent(context.Node, home, context.Tunnels, options);
        try
        {
            foreach (var item in config.Items("mobileNodes"))
            {
                var (address, association) = MobilityConfig.ReadAssociation(item, "homeAddress", "mac");
                if (!options.IsOnHomeNetwork(address)) throw item.Get("homeAddress").Error($"{address} is not on the home network {home.Prefix}");
                AddressChecks.HostAddress(item.Get("homeAddress"), address, home.Prefix.Length);
                if (context.Node.IsLocalAddress(address)) throw item.Get("homeAddress").Error($"{address} is an address of the home agent's own node");
                Add(agent.MobileNodes, address, association, item);
                if (item.TryGet("mac", out var mac)) agent.SetNodeLinkAddress(address, mac.AsMac());
            }
            foreach (var item in config.Items("foreignAgents"))
            {
                var (address, association) = MobilityConfig.ReadAssociation(item, "address");
                Add(agent.ForeignAgents, address, association, item);
            }
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    private static void Add(SecurityAssociationTable table, Wire.Ipv4Address peer, MobilitySecurityAssociation association, ConfigElement item)
    {
        if (table.TryGet(peer, association.Spi, out _)) throw item.Get("spi").Error($"{peer} already has a security association with SPI {association.Spi}");
        table.Add(peer, association);
    }
}
