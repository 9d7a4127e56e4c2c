using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Configuration;

/// <summary>The tunnel types a configuration names, in iproute2's words.</summary>
public enum TunnelType
{
    Gre,
    Gretap,
    Ipip,
    Minimal,
}

/// <summary>
/// One tunnel from a configuration: its type, name and endpoint options, and, when it is a node's interface,
/// the address (and for gretap the hardware address) the interface gets.
/// </summary>
public sealed record TunnelConfig(TunnelType Type, string Name, TunnelOptions Options, (Ipv4Address Address, int PrefixLength)? Address, MacAddress? Mac)
{
    private static readonly string[] CommonFields = ["name", "type", "local", "remote", "address", "underlayMtu"];
    private static readonly string[] OuterHeaderFields = ["ttl", "tos", "pmtudisc", "oversize"];
    private static readonly string[] GreFields =
        ["key", "ikey", "okey", "seq", "iseq", "oseq", "csum", "icsum", "ocsum", "maxPerflowBuffer", "outOfOrderTimerMs"];

    /// <summary>
    /// Reads a tunnel object. Field names follow ip-link(8): <c>key</c> sets ikey and okey, <c>seq</c> iseq and
    /// oseq, <c>csum</c> icsum and ocsum; a key is a number or a dotted quad. <c>ttl</c> and <c>tos</c> take a
    /// number or "inherit".
    /// </summary>
    public static TunnelConfig Read(ConfigElement element, bool asInterface)
    {
        var type = element.Get("type").AsString() switch
        {
            "gre" => TunnelType.Gre,
            "gretap" => TunnelType.Gretap,
            "ipip" => TunnelType.Ipip,
            "minimal" => TunnelType.Minimal,
            var other => throw element.Get("type").Error($"'{other}' is not a tunnel type (gre, gretap, ipip, minimal)"),
        };
        string[] allowed = type switch
        {
            TunnelType.Gre or TunnelType.Gretap => [.. CommonFields, .. OuterHeaderFields, .. GreFields, .. (type == TunnelType.Gretap ? ["mac"] : Array.Empty<string>())],
            TunnelType.Ipip => [.. CommonFields, .. OuterHeaderFields],
            _ => CommonFields,
        };
        element.AllowOnly(allowed);
        string name = element.TryGet("name", out var n) ? n.AsString() : type.ToString().ToLowerInvariant();
        var local = element.Get("local").AsAddress();
        var remote = element.Get("remote").AsAddress();
        int underlayMtu = element.TryGet("underlayMtu", out var mtu) ? (int)mtu.AsInteger(TunnelMtu.MinUnderlayMtu, TunnelMtu.MaxUnderlayMtu) : 1500;

        TunnelOptions options = type switch
        {
            TunnelType.Gre or TunnelType.Gretap => ReadGre(element, type, local, remote, underlayMtu),
            TunnelType.Ipip => ReadOuterHeader(element, new IpInIpTunnelOptions { Local = local, Remote = remote, UnderlayMtu = underlayMtu }),
            _ => new MinimalEncapsulationOptions { Local = local, Remote = remote, UnderlayMtu = underlayMtu },
        };
        if (options.Validate() is string problem) throw element.Error(problem);

        (Ipv4Address, int)? address = null;
        if (element.TryGet("address", out var a))
        {
            if (!asInterface) throw a.Error("only a node's tunnel interface has an address");
            address = a.AsPrefix();
        }
        MacAddress? mac = null;
        if (type == TunnelType.Gretap && asInterface) mac = element.Get("mac").AsMac();
        return new TunnelConfig(type, name, options, address, mac);
    }

    private static GreTunnelOptions ReadGre(ConfigElement e, TunnelType type, Ipv4Address local, Ipv4Address remote, int underlayMtu)
    {
        uint? key = Key(e, "key");
        bool seq = Flag(e, "seq", false), csum = Flag(e, "csum", false);
        var reorder = new GreReorderOptions();
        if (e.TryGet("maxPerflowBuffer", out var depth)) reorder = reorder with { MaxPerflowBuffer = (int)depth.AsInteger(0, GreReorderOptions.MaxDepth) };
        if (e.TryGet("outOfOrderTimerMs", out var timer))
        {
            var ms = timer.AsMilliseconds(GreReorderOptions.MaxTimer);
            if (ms <= TimeSpan.Zero) throw timer.Error("must be more than 0");
            reorder = reorder with { OutOfOrderTimer = ms };
        }
        var options = new GreTunnelOptions
        {
            Local = local,
            Remote = remote,
            UnderlayMtu = underlayMtu,
            Mode = type == TunnelType.Gretap ? GreMode.Ethernet : GreMode.Ipv4,
            InputKey = Key(e, "ikey") ?? key,
            OutputKey = Key(e, "okey") ?? key,
            InputSequence = Flag(e, "iseq", seq),
            OutputSequence = Flag(e, "oseq", seq),
            InputChecksum = Flag(e, "icsum", csum),
            OutputChecksum = Flag(e, "ocsum", csum),
            Reorder = reorder,
        };
        return ReadOuterHeader(e, options);
    }

    /// <summary>ttl, tos, pmtudisc and oversize onto <paramref name="options"/>; the result has the same runtime type.</summary>
    private static T ReadOuterHeader<T>(ConfigElement e, T typed) where T : IpTunnelOptions
    {
        IpTunnelOptions options = typed;
        if (e.TryGet("ttl", out var ttl) && !IsInherit(ttl)) options = options with { Ttl = (byte)ttl.AsInteger(1, 255) };
        if (e.TryGet("tos", out var tos) && !IsInherit(tos)) options = options with { Tos = (byte)tos.AsInteger(0, 255) };
        options = options with { PathMtuDiscovery = Flag(e, "pmtudisc", false) };
        if (e.TryGet("oversize", out var oversize))
        {
            options = options with
            {
                Oversize = oversize.AsString() switch
                {
                    "fragment" => OversizePolicy.FragmentInner,
                    "refuse" => OversizePolicy.Refuse,
                    var other => throw oversize.Error($"'{other}' is neither \"fragment\" nor \"refuse\""),
                },
            };
        }
        return (T)options;
    }

    private static bool IsInherit(ConfigElement e) => e.Element.ValueKind == System.Text.Json.JsonValueKind.String && e.AsString() == "inherit";

    private static bool Flag(ConfigElement e, string name, bool fallback) => e.TryGet(name, out var f) ? f.AsBool() : fallback;

    /// <summary>A GRE key: a number 0..4294967295 or a dotted quad (ip-link(8) accepts both).</summary>
    private static uint? Key(ConfigElement e, string name)
    {
        if (!e.TryGet(name, out var key)) return null;
        if (key.Element.ValueKind == System.Text.Json.JsonValueKind.Number) return (uint)key.AsInteger(0, uint.MaxValue);
        if (key.Element.ValueKind == System.Text.Json.JsonValueKind.String && Ipv4Address.TryParse(key.AsString(), out var quad)) return quad.Value;
        throw key.Error("must be a number 0..4294967295 or a dotted quad like 0.0.0.1");
    }
}
