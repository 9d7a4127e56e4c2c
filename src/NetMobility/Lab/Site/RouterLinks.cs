namespace NetMobility.Lab.Site;

/// <summary>What the routers' links between the sites (home and WAN daemons to the core router, WAN and foreign daemons to the WAN bridge) are.</summary>
public enum RouterLinks
{
    /// <summary>Persistent TAP devices the daemons attach (<c>{"tap": ...}</c>).</summary>
    Tap,

    /// <summary>Veth pairs, the daemons' ends in the NAME-rt namespace, opened as AF_PACKET sockets (<c>{"packet": ...}</c>).</summary>
    Packet,

    /// <summary>Veth pairs as for <see cref="Packet"/>, opened through libpcap with a capture filter (<c>{"pcap": ..., "filter": ...}</c>).</summary>
    Pcap,
}
