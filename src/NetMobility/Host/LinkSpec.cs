using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Host;

/// <summary>
/// The device behind one interface of the agent daemon's node, from the interface's <c>link</c> object:
/// <c>{"tap": "nm-home0"}</c> a Linux TAP device, <c>{"packet": "veth1"}</c> an existing interface through an AF_PACKET
/// socket, <c>{"pcap": "eth1", "filter": "..."}</c> an existing interface through libpcap, <c>{"segment": "lan"}</c> an
/// in-memory Ethernet segment inside the daemon (where the VMs it hosts are plugged in). A device link may name the network namespace it lives in
/// (<c>"netns"</c>, as <c>ip netns</c> knows it).
/// </summary>
public abstract record LinkSpec
{
    public const string Field = "link";

    /// <summary>Reads <c>item.link</c>; every mistake is a <see cref="ConfigException"/> naming the field.</summary>
    public static LinkSpec Read(ConfigElement item)
    {
        var link = item.Get(Field);
        if (link.Has("tap")) return TapLinkSpec.ReadTap(link);
        if (link.Has("packet")) return PacketLinkSpec.ReadPacket(link);
        if (link.Has("pcap")) return PcapLinkSpec.ReadPcap(link);
        if (link.Has("segment"))
        {
            link.AllowOnly("segment");
            return new SegmentLinkSpec(link.Get("segment").AsString());
        }
        throw link.Error("needs one of \"tap\", \"packet\", \"pcap\" or \"segment\"");
    }

    /// <summary>One line for logs and the status table: the kind and the device.</summary>
    public abstract string Describe();
}

/// <summary>An in-memory Ethernet segment inside the daemon: the node's interface is one port, each hosted VM another.</summary>
public sealed record SegmentLinkSpec(string Segment) : LinkSpec
{
    public override string Describe() => $"segment {Segment}";
}

/// <summary>A link on a device the kernel provides, opened (and opened again after a failure) by the daemon.</summary>
public abstract record DeviceLinkSpec : LinkSpec
{
    public string? Netns { get; init; }

    /// <summary>Opens the device; a refusal is a <see cref="LinkOpenException"/>, <see cref="TapException"/> or
    /// <see cref="InterfaceLinkException"/> with one line.</summary>
    public abstract IFrameLink Open(EventLoop loop, MacAddress mac, int mtu);

    /// <summary>Why an open device stopped carrying frames for good, or null while it works.</summary>
    public abstract string? FaultOf(IFrameLink link);

    protected static string? ReadNetns(ConfigElement link)
    {
        if (!link.TryGet("netns", out var netns)) return null;
        string name = netns.AsString();
        if (name.Length == 0 || name is "." or ".." || name.Contains('/')) throw netns.Error($"'{name}' is not a network namespace name");
        return name;
    }

    protected static string ReadDevice(ConfigElement field)
    {
        string name = field.AsString();
        if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) > 15 || name is "." or ".." || name.AsSpan().IndexOfAny("/: \t\n\r\0") >= 0)
            throw field.Error($"'{name}' is not an interface name (1 to 15 bytes, no '/', ':' or white space)");
        return name;
    }

    protected string Where => Netns is null ? "" : $" in netns {Netns}";

    /// <summary>Opens a device inside <see cref="Netns"/>; a namespace that cannot be entered is a <see cref="LinkOpenException"/>.</summary>
    protected T InNetns<T>(Func<T> open)
    {
        try
        {
            return NetnsScope.Run(Netns, open);
        }
        catch (LabException e)
        {
            throw new LinkOpenException(e.Message);
        }
    }
}

/// <summary>
/// <c>{"tap": NAME, "netns": NS, "mode": "create" | "attach" | "create-or-attach", "persistent": BOOL}</c>: a TAP device.
/// <c>attach</c> takes a device made beforehand (<c>ip tuntap add</c>) and, with <c>persistent</c>, leaves it in place
/// when the daemon lets go; a device the daemon created without <c>persistent</c> goes when the daemon does.
/// </summary>
public sealed record TapLinkSpec(string Device, TapMode Mode, bool Persistent) : DeviceLinkSpec
{
    public static TapLinkSpec ReadTap(ConfigElement link)
    {
        link.AllowOnly("tap", "netns", "mode", "persistent");
        var mode = TapMode.CreateOrAttach;
        if (link.TryGet("mode", out var m))
        {
            mode = m.AsString() switch
            {
                "create" => TapMode.Create,
                "attach" => TapMode.Attach,
                "create-or-attach" => TapMode.CreateOrAttach,
                var other => throw m.Error($"'{other}' is not a mode (create, attach, create-or-attach)"),
            };
        }
        bool persistent = link.TryGet("persistent", out var p) && p.AsBool();
        return new TapLinkSpec(ReadDevice(link.Get("tap")), mode, persistent) { Netns = ReadNetns(link) };
    }

    public override IFrameLink Open(EventLoop loop, MacAddress mac, int mtu)
    {
        var options = new TapOptions { Name = Device, Mac = mac, Mtu = mtu, Mode = Mode, Persistent = Persistent };
        return InNetns(() => TapLink.Open(loop, options));
    }

    public override string? FaultOf(IFrameLink link) => ((TapLink)link).Fault;

    public override string Describe() => $"tap {Device}{Where}";
}

/// <summary>
/// <c>{"packet": NAME, "netns": NS, "ring": BOOL}</c>: an existing Ethernet interface (a veth end, a NIC) through an AF_PACKET socket in
/// promiscuous mode. The interface must be up; the daemon does not create, configure or remove it.
/// </summary>
public sealed record PacketLinkSpec(string Device) : DeviceLinkSpec
{
    /// <summary>
    /// Frames through the TPACKET_V3 ring (<c>"ring": true</c>) or with recvmmsg(2) (<c>false</c>, the default: measured
    /// faster for a router, whose frames on the ring wait for a block's retire timer; docs/agent.md).
    /// </summary>
    public bool Ring { get; init; }

    public static PacketLinkSpec ReadPacket(ConfigElement link)
    {
        link.AllowOnly("packet", "netns", "ring");
        return new PacketLinkSpec(ReadDevice(link.Get("packet"))) { Netns = ReadNetns(link), Ring = link.TryGet("ring", out var r) && r.AsBool() };
    }

    public override IFrameLink Open(EventLoop loop, MacAddress mac, int mtu) =>
        InNetns(() => PacketLink.Open(loop, Device, mac, mtu, ring: Ring));

    public override string? FaultOf(IFrameLink link) => ((PacketLink)link).Fault;

    public override string Describe() => $"packet {Device}{Where}";
}

/// <summary>
/// <c>{"pcap": NAME, "filter": EXPRESSION, "netns": NS}</c>: an existing Ethernet interface through libpcap, taking only
/// the inbound frames the capture filter (pcap-filter(7)) passes. The filter is compiled when the configuration is read,
/// so a bad one stops the daemon before it opens anything.
/// </summary>
public sealed record PcapLinkSpec(string Device, string? Filter) : DeviceLinkSpec
{
    public static PcapLinkSpec ReadPcap(ConfigElement link)
    {
        link.AllowOnly("pcap", "filter", "netns");
        string? filter = null;
        if (link.TryGet("filter", out var f))
        {
            filter = f.AsString();
            if (PcapLink.CheckFilter(filter) is string problem) throw f.Error($"'{filter}' is not a capture filter: {problem}");
        }
        return new PcapLinkSpec(ReadDevice(link.Get("pcap")), filter) { Netns = ReadNetns(link) };
    }

    public override IFrameLink Open(EventLoop loop, MacAddress mac, int mtu) =>
        InNetns(() => PcapLink.Open(loop, Device, mac, mtu, Filter));

    public override string? FaultOf(IFrameLink link) => ((PcapLink)link).Fault;

    public override string Describe() => Filter is null ? $"pcap {Device}{Where}" : $"pcap {Device} '{Filter}'{Where}";
}
