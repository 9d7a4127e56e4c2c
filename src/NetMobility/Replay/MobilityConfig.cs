using System.Text;
using NetMobility.Configuration;
using NetMobility.Mobility;
using NetMobility.Net;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Registration;
using NetMobility.Mobility.Foreign;

namespace NetMobility.Replay;

/// <summary>Settings the home and foreign agent roles read alike: security associations, encapsulations, reverse tunnelling, the interface.</summary>
internal static class MobilityConfig
{
    /// <summary>
    /// One security association: <c>spi</c> (256..4294967295), <c>key</c> (text) or <c>keyHex</c> (hex bytes),
    /// <c>algorithm</c> (<c>hmac-md5</c>, the default, or <c>keyed-md5</c>, RFC 2002's prefix+suffix), <c>replay</c>
    /// (<c>timestamps</c>, the default, or <c>nonces</c>) and <c>toleranceMs</c> (default 7000), plus the peer's
    /// address in the field <paramref name="addressField"/>. Other fields named in <paramref name="extra"/> are allowed.
    /// </summary>
    public static (Ipv4Address Peer, MobilitySecurityAssociation Association) ReadAssociation(ConfigElement item, string addressField, params string[] extra)
    {
        item.AllowOnly([addressField, "spi", "key", "keyHex", "algorithm", "replay", "toleranceMs", .. extra]);
        var peer = item.Get(addressField).AsAddress();
        uint spi = (uint)item.Get("spi").AsInteger(MobilitySecurityAssociation.ReservedSpiCount, uint.MaxValue);
        byte[] key;
        if (item.TryGet("key", out var text))
        {
            if (item.Has("keyHex")) throw item.Get("keyHex").Error("give the key once, as key or keyHex");
            key = Encoding.UTF8.GetBytes(text.AsString());
        }
        else
        {
            var hex = item.Get("keyHex");
            try
            {
                key = Convert.FromHexString(hex.AsString());
            }
            catch (FormatException)
            {
                throw hex.Error("must be an even number of hex digits");
            }
        }
        if (key.Length == 0) throw item.Error("the key must not be empty");
        var algorithm = MobileIpAuthenticationAlgorithm.HmacMd5;
        if (item.TryGet("algorithm", out var a))
        {
            algorithm = a.AsString() switch
            {
                "hmac-md5" => MobileIpAuthenticationAlgorithm.HmacMd5,
                "keyed-md5" => MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix,
                var other => throw a.Error($"'{other}' is not an algorithm (hmac-md5, keyed-md5)"),
            };
        }
        var replay = ReplayProtection.Timestamps;
        if (item.TryGet("replay", out var r))
        {
            replay = r.AsString() switch
            {
                "timestamps" => ReplayProtection.Timestamps,
                "nonces" => ReplayProtection.Nonces,
                var other => throw r.Error($"'{other}' is not a replay protection (timestamps, nonces)"),
            };
        }
        TimeSpan? tolerance = null;
        if (item.TryGet("toleranceMs", out var t))
        {
            tolerance = t.AsMilliseconds(TimeSpan.FromHours(1));
            if (tolerance <= TimeSpan.Zero) throw t.Error("must be more than 0");
        }
        return (peer, new MobilitySecurityAssociation(spi, key, algorithm, replay, tolerance));
    }

    /// <summary>A list of the encapsulations <c>ipip</c>, <c>gre</c>, <c>minimal</c>; IP in IP must be among them.</summary>
    public static TunnelKindSet ReadEncapsulations(ConfigElement config, string field)
    {
        if (!config.TryGet(field, out var list)) return MobileIpEncapsulation.Negotiable;
        var set = TunnelKindSet.Empty;
        foreach (var item in config.Items(field))
        {
            string name = item.AsString();
            if (!MobileIpEncapsulation.TryParse(name, out var kind)) throw item.Error($"'{name}' is not an encapsulation ({MobileIpEncapsulation.Names})");
            set = set.With(kind);
        }
        if (!set.Contains(TunnelKind.IpInIp)) throw list.Error("must include ipip: every agent supports IP in IP (RFC 5944 sec 4.1)");
        return set;
    }

    public static ReverseTunnelPolicy ReadReverseTunnel(ConfigElement config, string field)
    {
        if (!config.TryGet(field, out var value)) return ReverseTunnelPolicy.Available;
        return value.AsString() switch
        {
            "unavailable" => ReverseTunnelPolicy.Unavailable,
            "available" => ReverseTunnelPolicy.Available,
            "mandatory" => ReverseTunnelPolicy.Mandatory,
            var other => throw value.Error($"'{other}' is not a reverse tunnel policy (unavailable, available, mandatory)"),
        };
    }

    /// <summary>The Ethernet interface named by the field <c>interface</c>.</summary>
    public static NetInterface ReadInterface(ConfigElement config, ReplayNodeContext context, string role)
    {
        var field = config.Get("interface");
        string name = field.AsString();
        if (!context.Interfaces.TryGetValue(name, out var iface)) throw field.Error($"the node has no interface '{name}'");
        if (iface.Link is null) throw field.Error($"'{name}' is a tunnel; the agent needs an Ethernet interface");
        if (!context.Take(role, iface)) throw field.Error($"'{name}' already has a {role}: one per interface");
        return iface;
    }

    /// <summary>An address of the node in <paramref name="field"/>, or <paramref name="fallback"/> when absent.</summary>
    public static Ipv4Address ReadLocalAddress(ConfigElement config, string field, Ipv4Address fallback, ReplayNodeContext context)
    {
        if (!config.TryGet(field, out var value))
        {
            if (fallback.IsUnspecified) throw config.Error($"needs \"{field}\": the interface has no address");
            return fallback;
        }
        var address = value.AsAddress();
        if (!context.Node.IsLocalAddress(address)) throw value.Error($"{address} is not an address of the node");
        return address;
    }

    /// <summary>An advertisement interval in milliseconds, within the RFC limits of <see cref="ForeignAgentOptions.MinAdvertisementInterval"/>.</summary>
    public static TimeSpan ReadAdvertisementInterval(ConfigElement value)
    {
        var min = ForeignAgentOptions.MinAdvertisementInterval;
        var max = ForeignAgentOptions.MaxAdvertisementInterval;
        string range = $"must be a number of milliseconds {min.TotalMilliseconds}..{max.TotalMilliseconds} "
                       + "(RFC 5944 sec 2.3.1: at most one advertisement a second; RFC 1256 sec 4.1: at most 1800 s apart)";
        if (value.Element.ValueKind != System.Text.Json.JsonValueKind.Number || !value.Element.TryGetDouble(out double ms)
            || !(ms >= min.TotalMilliseconds && ms <= max.TotalMilliseconds))
            throw value.Error(range);
        return TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond));
    }

    /// <summary>An advertisement lifetime in seconds: at least the interval, at most 9000 (RFC 1256 sec 4.1).</summary>
    public static ushort ReadAdvertisementLifetime(ConfigElement value, TimeSpan interval)
    {
        long min = (long)Math.Ceiling(interval.TotalSeconds);
        return (ushort)value.AsInteger(min, ForeignAgentOptions.MaxAdvertisementLifetime);
    }

    public static TimeSpan ReadPositiveMilliseconds(ConfigElement value, TimeSpan max)
    {
        var span = value.AsMilliseconds(max);
        if (span <= TimeSpan.Zero) throw value.Error("must be more than 0");
        return span;
    }
}
