namespace NetMobility.Mobility;

/// <summary>How a home agent tunnels datagrams to a care-of address, as the request's M and G bits ask (RFC 5944 sec 3.3).</summary>
public enum TunnelEncapsulation : byte
{
    /// <summary>IP in IP (RFC 2003): every agent supports it (RFC 5944 sec 4.1); asked for by neither M nor G.</summary>
    IpInIp,
    /// <summary>Generic Routing Encapsulation (RFC 2784), asked for by the G bit.</summary>
    Gre,
    /// <summary>Minimal encapsulation (RFC 2004), asked for by the M bit.</summary>
    Minimal,
}

/// <summary>The encapsulations an agent offers, as a set.</summary>
[Flags]
public enum TunnelEncapsulations : byte
{
    IpInIp = 1 << TunnelEncapsulation.IpInIp,
    Gre = 1 << TunnelEncapsulation.Gre,
    Minimal = 1 << TunnelEncapsulation.Minimal,
    All = IpInIp | Gre | Minimal,
}

public static class TunnelEncapsulationSets
{
    public static bool Offers(this TunnelEncapsulations set, TunnelEncapsulation encapsulation) =>
        ((int)set & (1 << (int)encapsulation)) != 0;
}
