using NetMobility.Configuration;

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
