using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// Fills the outer IPv4 header of an encapsulated packet from the tunnel's options and the inner header:
/// TTL fixed or inherited, TOS fixed or inherited, DF set (pmtudisc) or copied (RFC 2003 sec 3.1).
/// </summary>
internal static class OuterHeader
{
    /// <summary>The inner header fields the outer one may inherit; <see cref="NotIp"/> for a gretap frame that carries no IPv4.</summary>
    public readonly record struct InnerFields(byte TimeToLive, byte Dscp, bool DontFragment, bool IsIp)
    {
        public static InnerFields NotIp => new(0, 0, false, false);

        public static InnerFields Of(Ipv4Packet inner) => new(inner.TimeToLive, inner.Dscp, inner.DontFragment, true);
    }

    /// <summary>
    /// Writes the 20-byte outer header (an outer header never has options) for <paramref name="payloadLength"/>
    /// bytes of encapsulated payload through the IPv4 codec.
    /// </summary>
    public static void Emit(IpTunnelOptions options, Span<byte> destination, IpProtocol protocol, int payloadLength, ushort identification, InnerFields inner)
    {
        // "tos inherit" copies the DSCP only (RFC 2983 sec 3's uniform model, as RFC 6040 sec 4.1 leaves DSCP to it).
        // The outer ECN field stays Not-ECT: RFC 6040 sec 4.1's compatibility mode, which any decapsulator, RFC 6040
        // or older, handles safely. These endpoints decapsulate by RFC 6040 sec 4.2 whatever the far end did.
        byte tos = options.Tos ?? (byte)(inner.Dscp << 2);
        // RFC 1122 sec 3.2.1.7 and RFC 1812 sec 4.2.2.9: no packet is sent with TTL 0, so an inner TTL of 0 (a gretap
        // frame's IPv4 packet; an IPv4 payload with TTL 0 never gets this far, RFC 2003 sec 3.1) is not inherited.
        byte ttl = options.Ttl != 0 ? options.Ttl : inner.IsIp && inner.TimeToLive != 0 ? inner.TimeToLive : options.DefaultTtl;
        new Ipv4Header(options.Local, options.Remote, protocol, payloadLength, ttl, identification,
            DontFragment: options.PathMtuDiscovery || inner.DontFragment, Dscp: (byte)(tos >> 2), Ecn: (byte)(tos & 3)).Emit(destination);
    }
}
