namespace NetMobility.Tunnels;

/// <summary>Sizes shared by the tunnel endpoints.</summary>
public static class TunnelMtu
{
    /// <summary>The outer IPv4 header endpoints emit: 20 bytes, no options.</summary>
    public const int Ipv4HeaderLength = 20;

    /// <summary>Every IPv4 link carries 68 bytes unfragmented (RFC 791 sec 3.2); a tunnel must too.</summary>
    public const int MinInnerMtu = 68;

    public const int MinUnderlayMtu = 128;

    /// <summary>The largest IPv4 total length.</summary>
    public const int MaxUnderlayMtu = 65535;
}
