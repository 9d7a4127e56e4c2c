using NetMobility.Configuration;
using NetMobility.Wire;
using NetMobility.Mobility.Foreign;

namespace NetMobility.Replay;

/// <summary>
/// <c>{"type": "foreign-agent", ...}</c> in a replayed node's roles: a <see cref="ForeignAgent"/> on one of its
/// interfaces, advertising from the start of the replay. Fields: <c>interface</c> (the visitors' link, required),
/// <c>address</c> (default: the interface's), <c>careOf</c> (default: <c>address</c>), <c>maxLifetime</c>,
/// <c>encapsulations</c>, <c>reverseTunnel</c>, <c>encapsulatingDelivery</c>, <c>visitorCapacity</c>,
/// <c>pendingTimeoutMs</c>, <c>advertisementIntervalMs</c>, <c>advertisementLifetime</c>,
/// <c>advertisementDestination</c>, <c>requireMobileForeignAuthentication</c>, <c>allowedHomeAgents</c>,
/// <c>mobileNodes</c> (security associations with <c>homeAddress</c>) and <c>homeAgents</c> (with <c>address</c>), and
/// the advertisement's flags: <c>registrationRequired</c> (R), <c>foreignAgentService</c> (F), <c>alsoHomeAgent</c> (H)
/// and <c>busy</c> (B held on); <c>udpTunnel</c> (<c>off</c>, <c>request</c>, <c>force</c>: RFC 3519 UDP tunnelling asked for)
/// and <c>udpTunnelling</c> (U, RFC 3519 sec 3.4: advertised while <c>udpTunnel</c> is on unless false; true with it off is an error).
/// </summary>
internal static class ForeignAgentRole
{
    private static UdpTunnelMode UdpMode(ConfigElement e) => e.AsString() switch
    {
        "off" => UdpTunnelMode.Off,
        "request" => UdpTunnelMode.Request,
        "force" => UdpTunnelMode.Force,
        var other => throw e.Error($"'{other}' is not \"off\", \"request\" or \"force\""),
    };

    public const string Type = "foreign-agent";

    /// <summary>The lifetime advertised when the configuration names none: three intervals (RFC 1256 sec 4.1), within the RFC's 9000 s.</summary>
    public static ushort DefaultLifetime(TimeSpan interval) =>
        (ushort)Math.Min(ForeignAgentOptions.MaxAdvertisementLifetime, Math.Ceiling(3 * interval.TotalSeconds));

    public static IDisposable Create(ConfigElement config, ReplayNodeContext context)
    {
        config.AllowOnly("type", "interface", "address", "careOf", "maxLifetime", "encapsulations", "reverseTunnel", "encapsulatingDelivery",
            "visitorCapacity", "pendingTimeoutMs", "advertisementIntervalMs", "advertisementLifetime", "advertisementDestination",
            "requireMobileForeignAuthentication", "allowedHomeAgents", "mobileNodes", "homeAgents",
            "registrationRequired", "foreignAgentService", "alsoHomeAgent", "busy", "udpTunnel", "udpTunnelling");
        var visitors = MobilityConfig.ReadInterface(config, context, Type);
        var address = MobilityConfig.ReadLocalAddress(config, "address", visitors.Address, context);
        var defaults = new ForeignAgentOptions { Address = address, CareOfAddress = address, PrefixLength = visitors.Prefix.Length };
        HashSet<Ipv4Address>? allowed = null;
        if (config.Has("allowedHomeAgents"))
        {
            allowed = [];
            foreach (var item in config.Items("allowedHomeAgents")) allowed.Add(item.AsAddress());
        }
        var advertisementInterval = config.TryGet("advertisementIntervalMs", out var interval)
            ? MobilityConfig.ReadAdvertisementInterval(interval) : defaults.AdvertisementInterval;
        var options = defaults with
        {
            CareOfAddress = MobilityConfig.ReadLocalAddress(config, "careOf", address, context),
            MaxLifetime = config.TryGet("maxLifetime", out var life) ? (ushort)life.AsInteger(1, ushort.MaxValue) : defaults.MaxLifetime,
            Encapsulations = MobilityConfig.ReadEncapsulations(config, "encapsulations"),
            ReverseTunnel = MobilityConfig.ReadReverseTunnel(config, "reverseTunnel"),
            EncapsulatingDelivery = !config.TryGet("encapsulatingDelivery", out var style) || style.AsBool(),
            VisitorCapacity = config.TryGet("visitorCapacity", out var capacity) ? (int)capacity.AsInteger(1, 1_000_000) : defaults.VisitorCapacity,
            PendingTimeout = config.TryGet("pendingTimeoutMs", out var pending)
                ? MobilityConfig.ReadPositiveMilliseconds(pending, TimeSpan.FromMinutes(10)) : defaults.PendingTimeout,
            AdvertisementInterval = advertisementInterval,
            AdvertisementLifetime = config.TryGet("advertisementLifetime", out var adLife)
                ? MobilityConfig.ReadAdvertisementLifetime(adLife, advertisementInterval) : DefaultLifetime(advertisementInterval),
            AdvertisementDestination = config.TryGet("advertisementDestination", out var destination) ? Destination(destination) : defaults.AdvertisementDestination,
            RequireMobileForeignAuthentication = config.TryGet("requireMobileForeignAuthentication", out var require) && require.AsBool(),
            AllowedHomeAgents = allowed,
            RegistrationRequired = Flag(config, "registrationRequired", defaults.RegistrationRequired),
            ForeignAgentService = Flag(config, "foreignAgentService", defaults.ForeignAgentService),
            AlsoHomeAgent = Flag(config, "alsoHomeAgent", defaults.AlsoHomeAgent),
            Busy = Flag(config, "busy", defaults.Busy),
            UdpTunnel = config.TryGet("udpTunnel", out var udp) ? UdpMode(udp) : defaults.UdpTunnel,
            AdvertiseUdpTunnelling = Flag(config, "udpTunnelling", defaults.AdvertiseUdpTunnelling),
        };
        if (config.TryGet("udpTunnelling", out var u) && u.AsBool() && options.UdpTunnel == UdpTunnelMode.Off)
            throw u.Error("the U bit advertises UDP tunnelling (RFC 3519 sec 3.4), which needs udpTunnel \"request\" or \"force\"");
        if (options.Validate() is string problem) throw config.Error(problem);

        var agent = new ForeignAgent(context.Node, visitors, context.Tunnels, options);
        try
        {
            foreach (var item in config.Items("mobileNodes"))
            {
                var (home, association) = MobilityConfig.ReadAssociation(item, "homeAddress");
                agent.MobileNodes.Add(home, association);
            }
            foreach (var item in config.Items("homeAgents"))
            {
                var (homeAgent, association) = MobilityConfig.ReadAssociation(item, "address");
                agent.HomeAgents.Add(homeAgent, association);
            }
            // The first advertisement goes out as the loop's first work, once the replay's output is connected.
            context.Node.Loop.Post(static a => ((ForeignAgent)a!).Start(), agent);
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    private static bool Flag(ConfigElement config, string name, bool fallback) => config.TryGet(name, out var value) ? value.AsBool() : fallback;

    /// <summary>RFC 5944 sec 2.3: advertisements go to all systems (224.0.0.1) or the limited broadcast.</summary>
    private static Ipv4Address Destination(ConfigElement value)
    {
        var address = value.AsAddress();
        if (address != ForeignAgentOptions.AllSystems && !address.IsBroadcast) throw value.Error("must be 224.0.0.1 or 255.255.255.255");
        return address;
    }
}
