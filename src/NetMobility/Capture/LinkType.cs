namespace NetMobility.Capture;

/// <summary>
/// Link-layer header type of the packets in a capture (tcpdump.org LINKTYPE_ registry). Only the
/// types this toolkit writes are named; a reader carries any other 16-bit value through as it is.
/// </summary>
public enum LinkType : ushort
{
    /// <summary>LINKTYPE_ETHERNET: Ethernet II frames without the frame check sequence.</summary>
    Ethernet = 1,
    /// <summary>LINKTYPE_RAW: raw IPv4 or IPv6, the version told by the first nibble.</summary>
    Raw = 101,
    /// <summary>LINKTYPE_IPV4: raw IPv4 packets, no link-layer header.</summary>
    RawIpv4 = 228,
}
