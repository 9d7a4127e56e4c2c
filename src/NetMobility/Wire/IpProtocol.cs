namespace NetMobility.Wire;

/// <summary>IPv4 protocol numbers this toolkit speaks (IANA "Assigned Internet Protocol Numbers").</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    /// <summary>IP in IP encapsulation (RFC 2003).</summary>
    IpInIp = 4,
    Tcp = 6,
    Udp = 17,
    /// <summary>Generic Routing Encapsulation (RFC 2784).</summary>
    Gre = 47,
    /// <summary>Minimal encapsulation within IP (RFC 2004).</summary>
    MinimalEncapsulation = 55,
}
