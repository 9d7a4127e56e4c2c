using NetMobility.Configuration;
using NetMobility.Net;

namespace NetMobility.Replay;

/// <summary>
/// <c>{"type": "nat", ...}</c> in a replayed node's roles: a <see cref="NatRouter"/> (NAPT, RFC 3022 sec 2.2) between two
/// of its interfaces, the site behind a NAT that RFC 3519 UDP tunnelling gets through. Fields: <c>inside</c> and
/// <c>outside</c> (interface names, required, not the same one; the outside one's address is the one the NAT maps to),
/// <c>udpIdleTimeoutMs</c> (default 120000, RFC 4787 REQ-5's two minutes), <c>tcpIdleTimeoutMs</c> (default 7440000,
/// RFC 5382 REQ-5) and <c>firstPort</c> (the first outside port handed out, default 49152).
/// </summary>
internal static class NatRole
{
    public const string Type = "nat";

    public static IDisposable Create(ConfigElement config, ReplayNodeContext context)
    {
        config.AllowOnly("type", "inside", "outside", "udpIdleTimeoutMs", "tcpIdleTimeoutMs", "firstPort");
        var inside = Interface(config, "inside", context);
        var outside = Interface(config, "outside", context);
        if (outside.Address.IsUnspecified) throw config.Get("outside").Error($"'{outside.Name}' has no address to map to");
        var defaults = new NatOptions();
        var options = defaults with
        {
            UdpIdleTimeout = config.TryGet("udpIdleTimeoutMs", out var udp) ? MobilityConfig.ReadPositiveMilliseconds(udp, TimeSpan.FromDays(1)) : defaults.UdpIdleTimeout,
            TcpIdleTimeout = config.TryGet("tcpIdleTimeoutMs", out var tcp) ? MobilityConfig.ReadPositiveMilliseconds(tcp, TimeSpan.FromDays(1)) : defaults.TcpIdleTimeout,
            FirstPort = config.TryGet("firstPort", out var port) ? (ushort)port.AsInteger(1024, ushort.MaxValue) : defaults.FirstPort,
        };
        return new NatRouter(context.Node, inside, outside, context.Node.Time, options);
    }

    private static NetInterface Interface(ConfigElement config, string field, ReplayNodeContext context)
    {
        var value = config.Get(field);
        string name = value.AsString();
        if (!context.Interfaces.TryGetValue(name, out var iface)) throw value.Error($"the node has no interface '{name}'");
        if (iface.Link is null) throw value.Error($"'{name}' is a tunnel; a NAT needs an Ethernet interface");
        if (!context.Take(Type, iface)) throw value.Error($"'{name}' already belongs to a NAT: one per interface");
        return iface;
    }
}
