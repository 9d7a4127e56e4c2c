namespace NetMobility.Tunnels;

/// <summary>
/// Options of the tunnels that put a new outer IPv4 header in front of the inner packet (GRE, IP-in-IP):
/// how that header is filled, in ip-tunnel(8)'s words ttl, tos and pmtudisc, and what happens to an inner
/// packet too big for the tunnel.
/// </summary>
public abstract record IpTunnelOptions : TunnelOptions
{
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

    /// <summary>What to do with an inner packet without DF that does not fit the tunnel MTU.</summary>
    public OversizePolicy Oversize { get; init; } = OversizePolicy.FragmentInner;

    public override string? Validate()
    {
        if (base.Validate() is string problem) return problem;
        return DefaultTtl == 0 ? "default TTL must be 1..255" : null;
    }
}
