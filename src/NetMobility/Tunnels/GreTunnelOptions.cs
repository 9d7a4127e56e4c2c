using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// Configuration of one GRE tunnel endpoint, in iproute2's words (ip-link(8), ip-tunnel(8)):
/// ikey/okey, iseq/oseq, icsum/ocsum, ttl, tos, pmtudisc.
/// </summary>
public sealed record GreTunnelOptions : IpTunnelOptions
{
    public GreMode Mode { get; init; } = GreMode.Ipv4;

    /// <summary>ikey: received packets must carry exactly this key; when null, received packets must carry none.</summary>
    public uint? InputKey { get; init; }

    /// <summary>okey: the key put on every sent packet; null sends none.</summary>
    public uint? OutputKey { get; init; }

    /// <summary>iseq: received packets must carry a sequence number and are delivered in order (RFC 2890 sec 2.2).</summary>
    public bool InputSequence { get; init; }

    /// <summary>oseq: sent packets carry sequence numbers 0, 1, 2 ... (RFC 2890 sec 2.2).</summary>
    public bool OutputSequence { get; init; }

    /// <summary>icsum: received packets must carry a checksum, and it must verify.</summary>
    public bool InputChecksum { get; init; }

    /// <summary>ocsum: sent packets carry a checksum over GRE header and payload (RFC 2784 sec 2.5).</summary>
    public bool OutputChecksum { get; init; }

    /// <summary>The receive window used when <see cref="InputSequence"/> is on.</summary>
    public GreReorderOptions Reorder { get; init; } = new();

    /// <summary>The GRE header this endpoint puts on sent packets: 4, 8, 12 or 16 bytes.</summary>
    public int OutputHeaderLength =>
        GreHeader.MinLength + (OutputChecksum ? 4 : 0) + (OutputKey is null ? 0 : 4) + (OutputSequence ? 4 : 0);

    /// <summary>
    /// Outer IPv4 header (20, no options), the GRE header and, for gretap, the inner Ethernet header (14),
    /// which the tunnel MTU, an IP MTU, does not count.
    /// </summary>
    public override int Overhead => TunnelMtu.Ipv4HeaderLength + OutputHeaderLength + (Mode == GreMode.Ethernet ? EthernetHeader.UntaggedLength : 0);

    public override string? Validate() => base.Validate() ?? (InputSequence ? Reorder.Validate() : null);
}
