using NetMobility.Configuration;

namespace NetMobility.Lab.Site;

/// <summary>
/// What <c>netmob lab up --config lab.json</c> builds (docs/lab.md): the lab's <c>name</c> (its namespaces are
/// NAME-core, NAME-corr ...), the folder its state goes in, the WAN between the home and the foreign site, and how the
/// VM is attached. Every field is optional; <see cref="Default"/> is the lab without a file. A mistake is a
/// <see cref="ConfigException"/> naming the file, the key and the reason.
/// </summary>
public sealed record LabSpec
{
    public const string DefaultStateRoot = "/run/netmob/lab";

    /// <summary>1 to 8 lower-case letters and digits, starting with a letter: it prefixes namespace and device names (15 bytes at most).</summary>
    public string Name { get; init; } = "nmlab";

    /// <summary>The folder holding the state of every lab; this lab's is <c>ROOT/NAME</c>.</summary>
    public string StateRoot { get; init; } = DefaultStateRoot;

    public WanSpec Wan { get; init; } = new();

    /// <summary>How the VM reaches its host's agent: a namespace behind a TAP, or a bridge per site for a QEMU guest's TAP.</summary>
    public VmAttachment Vm { get; init; } = VmAttachment.Namespace;

    /// <summary>The tunnel the home agent uses to the foreign agent: gre, ipip or minimal.</summary>
    public string Encapsulation { get; init; } = "gre";

    /// <summary>What the routers' links between the sites are: TAP devices, or veth pairs the daemons open with AF_PACKET or libpcap.</summary>
    public RouterLinks Links { get; init; } = RouterLinks.Tap;

    public string StateDirectory => Path.Combine(StateRoot, Name);

    public static LabSpec Default { get; } = new();

    public static LabSpec Load(string path) => Read(ConfigElement.Load(path));

    public static LabSpec Read(ConfigElement root)
    {
        root.AllowOnly("name", "stateDirectory", "wan", "vm", "encapsulation", "links");
        var spec = new LabSpec();
        if (root.TryGet("name", out var name)) spec = spec with { Name = CheckName(name) };
        if (root.TryGet("stateDirectory", out var state))
        {
            string dir = state.AsString();
            if (!Path.IsPathFullyQualified(dir)) throw state.Error($"'{dir}' is not an absolute path");
            spec = spec with { StateRoot = dir };
        }
        if (root.TryGet("wan", out var wan)) spec = spec with { Wan = WanSpec.Read(wan) };
        if (root.TryGet("vm", out var vm))
        {
            vm.AllowOnly("attachment");
            if (vm.TryGet("attachment", out var a))
            {
                spec = spec with
                {
                    Vm = a.AsString() switch
                    {
                        "namespace" => VmAttachment.Namespace,
                        "bridge" => VmAttachment.Bridge,
                        var other => throw a.Error($"'{other}' is not an attachment (namespace, bridge)"),
                    },
                };
            }
        }
        if (root.TryGet("encapsulation", out var e))
        {
            string kind = e.AsString();
            if (kind is not ("gre" or "ipip" or "minimal")) throw e.Error($"'{kind}' is not an encapsulation (gre, ipip, minimal)");
            spec = spec with { Encapsulation = kind };
        }
        if (root.TryGet("links", out var l))
        {
            spec = spec with
            {
                Links = l.AsString() switch
                {
                    "tap" => RouterLinks.Tap,
                    "packet" => RouterLinks.Packet,
                    "pcap" => RouterLinks.Pcap,
                    var other => throw l.Error($"'{other}' is not a kind of router link (tap, packet, pcap)"),
                },
            };
        }
        return spec;
    }

    /// <summary>What a lab name may be, for messages.</summary>
    public const string NameRule = "1 to 8 lower-case letters and digits, starting with a letter";

    public static bool IsName(string name) =>
        name.Length is >= 1 and <= 8 && name[0] is >= 'a' and <= 'z' && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9');

    private static string CheckName(ConfigElement field)
    {
        string name = field.AsString();
        if (!IsName(name)) throw field.Error($"'{name}' is not a lab name ({NameRule})");
        return name;
    }
}
