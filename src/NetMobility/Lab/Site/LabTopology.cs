using static NetMobility.Lab.Site.LabAddresses;

namespace NetMobility.Lab.Site;

/// <summary>
/// The lab's namespaces and devices (see <see cref="LabAddresses"/>) and the configuration files of its three agent
/// daemons (home, WAN, foreign), written into the lab's state folder. Every namespace is recorded in the
/// <see cref="LabState"/> before it is made, so that <c>netmob lab down</c> finds it after a crash. The daemons are
/// started by the caller (<see cref="LabSite"/> as detached processes; the tests as child processes they watch).
/// <list type="bullet">
/// <item>NAME-core: the correspondent's router, a Linux kernel with forwarding and strict <c>rp_filter</c>; the home and
/// WAN daemons' TAPs (persistent) and a veth to NAME-corr.</item>
/// <item>NAME-wan: a bridge joining the WAN daemon's far side and the foreign daemon's TAP.</item>
/// <item>NAME-rt (router links <c>packet</c> or <c>pcap</c>): instead of those four TAPs, veth pairs; the kernel's ends are
/// where the TAPs were, the daemons' ends (the TAP's name and <c>a</c>) sit in this namespace, which has no addresses,
/// no forwarding and no IPv6, and the daemons open them with AF_PACKET or libpcap.</item>
/// <item>NAME-vm (attachment <c>namespace</c>): the VM, a kernel behind a persistent TAP that one daemon at a time holds.</item>
/// <item>NAME-hh and NAME-fh (attachment <c>bridge</c>): the home and foreign hosts, each a bridge with the hosting daemon's
/// TAP on it, where a QEMU guest's TAP goes; a veth between them carries QEMU's migration stream.</item>
/// </list>
/// </summary>
public sealed class LabTopology
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    public const string VmName = "vm1";

    private LabTopology(LabSpec spec, LabState state)
    {
        Spec = spec;
        State = state;
        string n = spec.Name;
        Core = $"{n}-core";
        Correspondent = $"{n}-corr";
        Wan = $"{n}-wan";
        Routers = $"{n}-rt";
        Vm = $"{n}-vm";
        HomeHost = $"{n}-hh";
        ForeignHost = $"{n}-fh";
        HomeTap = $"{n}-hw";
        WanCoreTap = $"{n}-ww";
        WanFarTap = $"{n}-wf";
        ForeignTap = $"{n}-fw";
        VmDevice = $"{n}-vm";
        HomeVmTap = $"{n}-hv";
        ForeignVmTap = $"{n}-fv";
    }

    public LabSpec Spec { get; }
    public LabState State { get; }
    public string Core { get; }
    public string Correspondent { get; }
    public string Wan { get; }

    /// <summary>The namespace of the daemons' veth ends (router links <c>packet</c> or <c>pcap</c>).</summary>
    public string Routers { get; }
    public string Vm { get; }
    public string HomeHost { get; }

    /// <summary>The veth between the two host namespaces (bridge attachment) that migration streams take, the same name at both ends.</summary>
    public string MigrationLink => $"{Spec.Name}-m";
    public string ForeignHost { get; }
    public string HomeTap { get; }
    public string WanCoreTap { get; }
    public string WanFarTap { get; }
    public string ForeignTap { get; }
    public string VmDevice { get; }
    public string HomeVmTap { get; }
    public string ForeignVmTap { get; }

    /// <summary>
    /// The MTU of the links between the routers (core, WAN, the sites' uplinks) and of the agents' VM links: room for a full
    /// 1500-byte packet of the VM inside a tunnel (GRE adds 24 bytes, IP-in-IP 20), both ways, as an operator gives a tunnel
    /// path. (The agents size their tunnels from the VM link's MTU, and the foreign agent's "fragmentation needed" for a
    /// visitor is routed towards its home address instead of handed to it, so a 1500-byte tunnel path would stall a guest
    /// that sends full-size packets.)
    /// </summary>
    public const int WanMtu = 1600;

    /// <summary>The bridge of each site's host (attachment <c>bridge</c>), where a QEMU guest's TAP is put.</summary>
    public const string HostBridge = "br0";

    /// <summary>The namespaces this lab makes, in the order it makes them.</summary>
    public IReadOnlyList<string> Namespaces =>
    [
        Core, Correspondent, Wan, .. Spec.Links == RouterLinks.Tap ? Array.Empty<string>() : new[] { Routers },
        .. Spec.Vm == VmAttachment.Namespace ? new[] { Vm } : [HomeHost, ForeignHost],
    ];

    /// <summary>The daemon's end of a router link whose kernel end is <paramref name="device"/> (router links <c>packet</c> or <c>pcap</c>).</summary>
    public static string DaemonEnd(string device) => device + "a";

    /// <summary>
    /// The capture filter of a <c>pcap</c> router link: ARP and IPv4 (everything the node takes), not the IPv6 and LLDP
    /// chatter of the kernel's end.
    /// </summary>
    public const string PcapFilter = "arp or ip";

    public string Files => State.Directory;
    public string Config(string agent) => Path.Combine(Files, agent + ".json");
    public string Socket(string agent) => Path.Combine(Files, agent + ".sock");
    public string Log(string agent) => Path.Combine(Files, agent + ".log");
    public string Capture(string agent) => Path.Combine(Files, agent + ".pcapng");

    /// <summary>The agents in start order.</summary>
    public static readonly string[] Agents = ["home", "wan", "foreign"];

    /// <summary>The namespace the VM's kernel or QEMU runs in at <paramref name="site"/>.</summary>
    public string VmNamespace(LabSiteName site) => Spec.Vm == VmAttachment.Namespace ? Vm : site == LabSiteName.Home ? HomeHost : ForeignHost;

    /// <summary>Makes everything (recording each namespace first); a failure leaves what was made recorded for <c>down</c>.</summary>
    public static LabTopology Build(LabSpec spec, LabState state)
    {
        var lab = new LabTopology(spec, state);
        lab.Make();
        return lab;
    }

    /// <summary>The topology of a lab already made (for status and moves).</summary>
    public static LabTopology Of(LabSpec spec, LabState state) => new(spec, state);

    private NetNamespace Create(string name)
    {
        State.AddNamespace(name);
        return NetNamespace.CreateNamed(name);
    }

    private void Make()
    {
        var core = Create(Core);
        var corr = Create(Correspondent);
        var wan = Create(Wan);
        var routers = Spec.Links == RouterLinks.Tap ? null : Create(Routers);
        if (routers is not null)
            routers.RunChecked(Bound, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        core.RunChecked(Bound, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1");
        RouterLink(core, routers, HomeTap, $"{CoreToHome}/30");
        RouterLink(core, routers, WanCoreTap, $"{CoreToWan}/30");
        string veth = $"{Spec.Name}-c";
        core.Ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", corr.Name);
        core.AddAddress(veth, $"{CoreToCorrespondent}/24");
        core.SetUp(veth);
        core.Ip("route", "add", "10.1.0.0/24", "via", HomeWan);
        core.Ip("route", "add", "10.2.0.0/24", "via", WanCoreSide);
        core.Ip("route", "add", "198.51.100.0/30", "via", WanCoreSide);
        corr.AddAddress("eth0", $"{CorrespondentAddress}/24");
        corr.SetUp("eth0");
        corr.AddRoute("default", CoreToCorrespondent);

        // The WAN's far side: a bridge between two TAPs with no addresses, and no IPv6 to chatter on them.
        wan.RunChecked(Bound, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        wan.Ip("link", "add", HostBridge, "mtu", WanMtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "type", "bridge");
        wan.SetUp(HostBridge);
        RouterLink(wan, routers, WanFarTap, null, bridge: HostBridge);
        RouterLink(wan, routers, ForeignTap, null, bridge: HostBridge);
        if (Spec.Wan.RateKbit > 0)
        {
            // The kernel's token bucket on each direction's last device before a daemon: core -> WAN, bridge -> WAN daemon.
            Tbf(core, WanCoreTap);
            Tbf(wan, WanFarTap);
        }

        if (Spec.Vm == VmAttachment.Namespace)
        {
            var vm = Create(Vm);
            PersistentTap(vm, VmDevice, $"{VmAddress}/24", mac: VmMac);
            vm.AddRoute("default", HomeAgent);
        }
        else
        {
            var home = Create(HomeHost);
            var foreign = Create(ForeignHost);
            foreach (var (host, tap) in new[] { (home, HomeVmTap), (foreign, ForeignVmTap) })
            {
                host.RunChecked(Bound, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
                host.Ip("link", "add", HostBridge, "type", "bridge");
                host.SetUp(HostBridge);
                PersistentTap(host, tap, null, bridge: HostBridge);
            }
            string link = MigrationLink;
            home.Ip("link", "add", link, "type", "veth", "peer", "name", link, "netns", foreign.Name);
            home.AddAddress(link, $"{HomeHostMigration}/30");
            foreign.AddAddress(link, $"{ForeignHostMigration}/30");
            home.SetUp(link);
            foreign.SetUp(link);
        }
        WriteConfigs();
    }

    private void Tbf(NetNamespace space, string device) =>
        space.RunChecked(Bound, "tc", "qdisc", "add", "dev", device, "root", "tbf", "rate", $"{Spec.Wan.RateKbit}kbit", "burst", "32kbit", "latency", "400ms");

    /// <summary>
    /// A link between a kernel (<paramref name="space"/>) and a daemon: a persistent TAP, or a veth pair whose daemon end
    /// goes into <paramref name="routers"/>. A veth's kernel end has checksum offload turned off, so that what the kernel
    /// sends or forwards into it carries complete checksums: libpcap does not say which frames lack theirs.
    /// </summary>
    private static void RouterLink(NetNamespace space, NetNamespace? routers, string device, string? address, string? bridge = null)
    {
        if (routers is null)
        {
            PersistentTap(space, device, address, bridge: bridge, mtu: WanMtu);
            return;
        }
        string mtu = WanMtu.ToString(System.Globalization.CultureInfo.InvariantCulture), end = DaemonEnd(device);
        space.Ip("link", "add", device, "mtu", mtu, "type", "veth", "peer", "name", end, "mtu", mtu, "netns", routers.Name);
        space.RunChecked(Bound, "ethtool", "-K", device, "tx", "off");
        routers.RunChecked(Bound, "ethtool", "-K", end, "tx", "off");
        if (address is not null) space.AddAddress(device, address);
        if (bridge is not null) space.Ip("link", "set", "dev", device, "master", bridge);
        space.SetUp(device);
        routers.SetUp(end);
    }

    /// <summary>The <c>link</c> object of a daemon's router link whose kernel end is <paramref name="device"/> in <paramref name="netns"/>.</summary>
    private string RouterLinkJson(string device, string netns) => Spec.Links switch
    {
        RouterLinks.Packet => $$"""{"packet": "{{DaemonEnd(device)}}", "netns": "{{Routers}}"}""",
        RouterLinks.Pcap => $$"""{"pcap": "{{DaemonEnd(device)}}", "filter": "{{PcapFilter}}", "netns": "{{Routers}}"}""",
        _ => $$"""{"tap": "{{device}}", "netns": "{{netns}}", "mode": "attach", "persistent": true}""",
    };

    /// <summary>A TAP device that outlives the daemons attached to it, up, with an address or on a bridge.</summary>
    private static void PersistentTap(NetNamespace space, string device, string? address, string? mac = null, string? bridge = null, int? mtu = null)
    {
        space.Ip("tuntap", "add", "dev", device, "mode", "tap");
        if (mac is not null) space.Ip("link", "set", "dev", device, "address", mac);
        if (mtu is int m) space.Ip("link", "set", "dev", device, "mtu", m.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (address is not null) space.AddAddress(device, address);
        if (bridge is not null) space.Ip("link", "set", "dev", device, "master", bridge);
        space.SetUp(device);
    }

    private void WriteConfigs()
    {
        string vmDevice(LabSiteName site) => Spec.Vm == VmAttachment.Namespace ? VmDevice : site == LabSiteName.Home ? HomeVmTap : ForeignVmTap;
        Write("home", Router("home", "02:4e:4d:01:00:01", $"{HomeWan}/30", CoreToHome, HomeTap, Core, "02:4e:4d:01:00:02", "10.1.0.1/24",
            $$"""{"type": "home-agent", "interface": "lan", "mobileNodes": [{"homeAddress": "{{VmAddress}}", "spi": {{VmSpi}}, "key": "{{VmKey}}"}]}""",
            vmDevice(LabSiteName.Home), VmNamespace(LabSiteName.Home), attached: true));
        Write("foreign", Router("foreign", "02:4e:4d:02:00:01", $"{CareOf}/30", WanForeignSide, ForeignTap, Wan, "02:4e:4d:02:00:02", "10.2.0.1/24",
            $$"""{"type": "foreign-agent", "interface": "lan", "careOf": "{{CareOf}}", "advertisementIntervalMs": 1000}""",
            vmDevice(LabSiteName.Foreign), VmNamespace(LabSiteName.Foreign), attached: false));
        Write("wan", $$$"""
            {
              "node": {
                "name": "wan",
                "interfaces": [
                  {"name": "core", "mac": "02:4e:4d:03:00:01", "address": "{{{WanCoreSide}}}/30", "mtu": {{{WanMtu}}}, "link": {{{RouterLinkJson(WanCoreTap, Core)}}},
                   "impairment": {{{Spec.Wan.ImpairmentJson(0)}}}},
                  {"name": "far", "mac": "02:4e:4d:03:00:02", "address": "{{{WanForeignSide}}}/30", "mtu": {{{WanMtu}}}, "link": {{{RouterLinkJson(WanFarTap, Wan)}}},
                   "impairment": {{{Spec.Wan.ImpairmentJson(1)}}}}
                ],
                "routes": [{"prefix": "0.0.0.0/0", "via": "{{{CoreToWan}}}"}, {"prefix": "10.2.0.0/24", "via": "{{{CareOf}}}"}]
              },
              "control": "{{{Socket("wan")}}}",
              "capture": "{{{Capture("wan")}}}"
            }
            """);
    }

    private string Router(string name, string wanMac, string wanAddress, string gateway, string wanTap, string wanNetns, string lanMac, string lanAddress,
        string role, string vmDevice, string vmNetns, bool attached) => $$$"""
        {
          "node": {
            "name": "{{{name}}}",
            "interfaces": [
              {"name": "wan", "mac": "{{{wanMac}}}", "address": "{{{wanAddress}}}", "mtu": {{{WanMtu}}}, "link": {{{RouterLinkJson(wanTap, wanNetns)}}}},
              {"name": "lan", "mac": "{{{lanMac}}}", "address": "{{{lanAddress}}}", "mtu": {{{WanMtu}}}, "link": {"segment": "lan"}}
            ],
            "routes": [{"prefix": "0.0.0.0/0", "via": "{{{gateway}}}"}],
            "roles": [{{{role}}}]
          },
          "vms": [{"name": "{{{VmName}}}", "interface": "lan", "link": {"tap": "{{{vmDevice}}}", "netns": "{{{vmNetns}}}", "mode": "attach", "persistent": true},
                   "mac": "{{{VmMac}}}", "homeAddress": "{{{VmAddress}}}", "homeAgent": "{{{HomeAgent}}}", "spi": {{{VmSpi}}}, "key": "{{{VmKey}}}", "lifetime": 120,
                   "encapsulation": "{{{Spec.Encapsulation}}}", "attached": {{{(attached ? "true" : "false")}}}}],
          "control": "{{{Socket(name)}}}",
          "capture": "{{{Capture(name)}}}"
        }
        """;

    private void Write(string agent, string text)
    {
        string path = Config(agent);
        File.WriteAllText(path, text);
    }
}
