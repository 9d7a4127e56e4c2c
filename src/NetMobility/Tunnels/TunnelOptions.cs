using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>What every IPv4 tunnel endpoint is configured with: its outer addresses and the MTU of the link underneath.</summary>
public abstract record TunnelOptions
{
    /// <summary>This endpoint's outer address: the source of encapsulated packets, the destination of received ones.</summary>
    public required Ipv4Address Local { get; init; }

    /// <summary>The far endpoint's outer address.</summary>
    public required Ipv4Address Remote { get; init; }

    /// <summary>MTU of the link the outer packets leave by; the tunnel MTU is this minus <see cref="Overhead"/>.</summary>
    public int UnderlayMtu { get; init; } = 1500;

    /// <summary>The most bytes encapsulation adds in front of an inner IPv4 packet.</summary>
    public abstract int Overhead { get; }

    /// <summary>The largest inner IPv4 packet the tunnel carries without fragmenting.</summary>
    public int Mtu => UnderlayMtu - Overhead;

    /// <summary>Null when the options are usable, else which one is wrong and why.</summary>
    public virtual string? Validate()
    {
        if (!IsUnicast(Local)) return $"local address {Local} is not a unicast address";
        if (!IsUnicast(Remote)) return $"remote address {Remote} is not a unicast address";
        if (Local == Remote) return $"local and remote are both {Local}: a tunnel joins two different ends";
        if (UnderlayMtu is < TunnelMtu.MinUnderlayMtu or > TunnelMtu.MaxUnderlayMtu)
            return $"underlay MTU must be {TunnelMtu.MinUnderlayMtu}..{TunnelMtu.MaxUnderlayMtu}, not {UnderlayMtu}";
        if (Mtu < TunnelMtu.MinInnerMtu) return $"tunnel MTU {Mtu} is below the IPv4 minimum {TunnelMtu.MinInnerMtu}";
        return null;
    }

    private static bool IsUnicast(Ipv4Address a) => !a.IsUnspecified && !a.IsMulticast && !a.IsBroadcast;
}
