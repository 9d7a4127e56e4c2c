using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// What every IPv4 tunnel endpoint is configured with: its outer addresses, how the outer header is filled
/// (ip-tunnel(8)'s ttl, tos, pmtudisc) and the MTU of the link underneath.
/// </summary>
public abstract record TunnelOptions
{
    /// <summary>This endpoint's outer address: the source of encapsulated packets, the destination of received ones.</summary>
    public required Ipv4Address Local { get; init; }

    /// <summary>The far endpoint's outer address.</summary>
    public required Ipv4Address Remote { get; init; }

    /// <summary>Outer TTL; 0 means inherit it from the inner IPv4 header (ip-tunnel(8): "ttl inherit", its default).</summary>
    public byte Ttl { get; init; }

    /// <summary>TTL used when inheriting from an inner packet that has none (a gretap frame that is not IPv4).</summary>
    public byte DefaultTtl { get; init; } = 64;

    /// <summary>Outer TOS byte; null means inherit the inner packet's DSCP ("tos inherit").</summary>
    public byte? Tos { get; init; }

    /// <summary>
    /// pmtudisc: when true every outer packet has DF set; when false (nopmtudisc) outer DF is copied from the
    /// inner IPv4 header (RFC 2003 sec 3.1).
    /// </summary>
    public bool PathMtuDiscovery { get; init; }

    /// <summary>MTU of the link the outer packets leave by; the tunnel MTU is this minus <see cref="Overhead"/>.</summary>
    public int UnderlayMtu { get; init; } = 1500;

    /// <summary>What to do with an inner packet without DF that does not fit the tunnel MTU.</summary>
    public OversizePolicy Oversize { get; init; } = OversizePolicy.FragmentInner;

    /// <summary>The most bytes encapsulation adds in front of an inner IPv4 packet.</summary>
    public abstract int Overhead { get; }

    /// <summary>The largest inner IPv4 packet the tunnel carries without fragmenting.</summary>
    public int Mtu => UnderlayMtu - Overhead;

    /// <summary>Null when the options are usable, else which one is wrong and why.</summary>
    public virtual string? Validate()
    {
        if (!IsUnicast(Local)) return $"local address {Local} is not a unicast address";
        if (!IsUnicast(Remote)) return $"remote address {Remote} is not a unicast address";
        if (UnderlayMtu is < TunnelMtu.MinUnderlayMtu or > TunnelMtu.MaxUnderlayMtu)
            return $"underlay MTU must be {TunnelMtu.MinUnderlayMtu}..{TunnelMtu.MaxUnderlayMtu}, not {UnderlayMtu}";
        if (Mtu < TunnelMtu.MinInnerMtu) return $"tunnel MTU {Mtu} is below the IPv4 minimum {TunnelMtu.MinInnerMtu}";
        if (DefaultTtl == 0) return "default TTL must be 1..255";
        return null;
    }

    private static bool IsUnicast(Ipv4Address a) => !a.IsUnspecified && !a.IsMulticast && !a.IsBroadcast;
}
