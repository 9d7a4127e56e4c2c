using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The per-packet rules every endpoint that carries IPv4 applies on each side of the tunnel, whatever its
/// encapsulation: TTL 0 never goes in or comes out (RFC 2003 sec 3.1), a packet from the tunnel's own ends is not
/// tunnelled again (RFC 2003 sec 3.2), and a payload for the far end is not sent back toward it (RFC 2784 sec 3.1).
/// </summary>
internal static class TunnelRules
{
    /// <summary>
    /// Why <paramref name="inner"/> must not be encapsulated, or null. RFC 2003 sec 3.1: an encapsulator MUST NOT
    /// encapsulate a datagram with TTL 0. RFC 2003 sec 3.2: a datagram whose source is the tunnel's exit point, or
    /// this router's own address at the tunnel's entry, has come round a loop and MUST NOT be tunnelled.
    /// <paramref name="entrySourceAllowed"/> is for minimal encapsulation, which provides for the encapsulator being
    /// the original source (RFC 2004 sec 3, the S bit clear).
    /// </summary>
    public static TunnelDropReason? BeforeEncapsulating(Ipv4Packet inner, Ipv4Address local, Ipv4Address remote, bool entrySourceAllowed)
    {
        if (inner.TimeToLive == 0) return TunnelDropReason.TtlZero;
        var source = inner.Source;
        if (source == remote || (!entrySourceAllowed && source == local)) return TunnelDropReason.SourceIsTunnelEnd;
        return null;
    }

    /// <summary>
    /// RFC 6040 sec 4.2, the decapsulation table: the ECN field the inner header leaves with, given the outer one.
    /// Outer CE marks the inner packet CE, unless it is Not-ECT, when it MUST be dropped (false); outer ECT(1) over
    /// inner ECT(0) gives ECT(1); everything else leaves the inner field as it was. Encapsulation is RFC 6040 sec 4.1's
    /// compatibility mode (outer Not-ECT), so from peers of this toolkit the outer field is always Not-ECT and the
    /// inner packet comes out unchanged.
    /// </summary>
    public static bool TryCombineEcn(byte outerEcn, byte innerEcn, out byte ecn)
    {
        const byte notEct = 0, ect1 = 1, ect0 = 2, ce = 3;
        ecn = innerEcn;
        if (outerEcn == ce)
        {
            if (innerEcn == notEct) return false;
            ecn = ce;
        }
        else if (outerEcn == ect1 && innerEcn == ect0)
        {
            ecn = ect1;
        }
        return true;
    }

    /// <summary>
    /// Why a decapsulated IPv4 packet must be discarded, or null. RFC 2003 sec 3.1: one with TTL 0 MUST be discarded.
    /// RFC 2784 sec 3.1: one addressed to the tunnel's far end (the encapsulator) would loop and MUST be discarded.
    /// </summary>
    public static TunnelDropReason? AfterDecapsulating(ReadOnlySpan<byte> inner, Ipv4Address remote)
    {
        if (!Ipv4Packet.TryCreate(inner, ChecksumPolicy.None, out var ip, out _)) return TunnelDropReason.Malformed;
        if (ip.TimeToLive == 0) return TunnelDropReason.TtlZero;
        if (ip.Destination == remote) return TunnelDropReason.LoopingPayload;
        return null;
    }
}
