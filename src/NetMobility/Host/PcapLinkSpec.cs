using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Wire;

namespace NetMobility.Host;

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
