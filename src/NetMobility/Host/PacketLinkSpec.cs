using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Host;

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
