namespace NetMobility.Tunnels;

/// <summary>What a GRE tunnel carries.</summary>
public enum GreMode
{
    /// <summary>IPv4 packets, GRE protocol type 0x0800 (iproute2 "gre").</summary>
    Ipv4,
    /// <summary>Ethernet frames, GRE protocol type 0x6558 transparent Ethernet bridging (iproute2 "gretap").</summary>
    Ethernet,
}
