using NetMobility.Configuration;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// One tunnel from a configuration: its kind, name and endpoint options, and, when it is a node's interface,
/// the address (and for a kind that carries Ethernet the hardware address) the interface gets.
/// </summary>
public sealed record TunnelConfig(TunnelKind Kind, string Name, TunnelOptions Options, (Ipv4Address Address, int PrefixLength)? Address, MacAddress? Mac)
{
    /// <summary>
    /// Reads a tunnel object. Field names follow ip-link(8): <c>key</c> sets ikey and okey, <c>seq</c> iseq and
    /// oseq, <c>csum</c> icsum and ocsum; a key is a number or a dotted quad. <c>ttl</c> and <c>tos</c> take a
    /// number or "inherit".
    /// </summary>
    public static TunnelConfig Read(ConfigElement element, bool asInterface)
    {
        var typeField = element.Get("type");
        string type = typeField.AsString();
        if (!TunnelKind.TryFind(type, out var kind)) throw typeField.Error($"'{type}' is not a tunnel type ({TunnelKind.Names})");
        element.AllowOnly([.. kind.Fields]);
        string name = element.TryGet("name", out var n) ? n.AsString() : kind.Name;
        var ends = new TunnelEnds(
            element.Get("local").AsAddress(),
            element.Get("remote").AsAddress(),
            element.TryGet("underlayMtu", out var mtu) ? (int)mtu.AsInteger(TunnelMtu.MinUnderlayMtu, TunnelMtu.MaxUnderlayMtu) : 1500);
        var options = kind.ReadOptions(element, ends);
        if (options.Validate() is string problem) throw element.Error(problem);

        (Ipv4Address, int)? address = null;
        if (element.TryGet("address", out var a))
        {
            if (!asInterface) throw a.Error("only a node's tunnel interface has an address");
            address = a.AsPrefix();
        }
        MacAddress? mac = null;
        if (kind.CarriesEthernet && asInterface) mac = element.Get("mac").AsMac();
        return new TunnelConfig(kind, name, options, address, mac);
    }

    internal static GreTunnelOptions ReadGre(ConfigElement e, TunnelEnds ends, GreMode mode)
    {
        // ip-link(8) lets a later option override an earlier one; in a file with no order to speak of, both at once is a mistake.
        BothWaysOrEach(e, "key", "ikey", "okey");
        BothWaysOrEach(e, "seq", "iseq", "oseq");
        BothWaysOrEach(e, "csum", "icsum", "ocsum");
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
        var options = ends.Apply(new GreTunnelOptions
        {
            Local = ends.Local,
            Remote = ends.Remote,
            Mode = mode,
            InputKey = Key(e, "ikey") ?? key,
            OutputKey = Key(e, "okey") ?? key,
            InputSequence = Flag(e, "iseq", seq),
            OutputSequence = Flag(e, "oseq", seq),
            InputChecksum = Flag(e, "icsum", csum),
            OutputChecksum = Flag(e, "ocsum", csum),
            Reorder = reorder,
        });
        return ReadOuterHeader(e, options);
    }

    /// <summary>A Mobile IP UDP tunnel (RFC 3519): the outer header fields, sport and dport (434 when absent), keepaliveMs (none when absent).</summary>
    internal static UdpTunnelOptions ReadUdp(ConfigElement e, TunnelEnds ends)
    {
        var options = ends.ApplyPorts(ends.Apply(new UdpTunnelOptions { Local = ends.Local, Remote = ends.Remote }));
        if (e.TryGet("sport", out var sport)) options = options with { LocalPort = (ushort)sport.AsInteger(1, ushort.MaxValue) };
        if (e.TryGet("dport", out var dport)) options = options with { RemotePort = (ushort)dport.AsInteger(1, ushort.MaxValue) };
        if (e.TryGet("keepaliveMs", out var keepalive)) { var k = keepalive.AsMilliseconds(TimeSpan.FromHours(1)); options = options with { KeepaliveInterval = k > TimeSpan.Zero ? k : null }; }
        if (e.TryGet("carries", out var carries))
        {
            options = options with
            {
                Carries = carries.AsString() switch
                {
                    "ipip" => IpProtocol.IpInIp,
                    "gre" => IpProtocol.Gre,
                    "minimal" => IpProtocol.MinimalEncapsulation,
                    var other => throw carries.Error($"'{other}' is not \"ipip\", \"gre\" or \"minimal\""),
                },
            };
        }
        return ReadOuterHeader(e, options);
    }

    /// <summary>ttl, tos, pmtudisc and oversize onto <paramref name="options"/>; the result has the same runtime type.</summary>
    internal static T ReadOuterHeader<T>(ConfigElement e, T typed) where T : IpTunnelOptions
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

    /// <summary><paramref name="both"/> sets <paramref name="input"/> and <paramref name="output"/>: it cannot come with either.</summary>
    private static void BothWaysOrEach(ConfigElement e, string both, string input, string output)
    {
        if (!e.Has(both)) return;
        foreach (var one in new[] { input, output })
            if (e.Has(one)) throw e.Get(both).Error($"sets {input} and {output} both: give \"{both}\" or \"{input}\"/\"{output}\", not both");
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
