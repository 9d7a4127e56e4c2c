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

    /// <summary>Writes the 20-byte outer header for <paramref name="payloadLength"/> bytes of encapsulated payload.</summary>
    public static void Emit(IpTunnelOptions options, Span<byte> destination, IpProtocol protocol, int payloadLength, ushort identification, InnerFields inner)
    {
        byte ttl = options.Ttl != 0 ? options.Ttl : inner.IsIp ? inner.TimeToLive : options.DefaultTtl;
        // "tos inherit" copies the DSCP only. The outer ECN field stays Not-ECT: that is RFC 6040 sec 4.1's
        // compatibility mode, the one to use when the decapsulator does not propagate congestion marks into
        // the inner header, as these endpoints do not.
        byte dscp = options.Tos is byte tos ? (byte)(tos >> 2) : inner.Dscp;
        byte ecn = options.Tos is byte fixedTos ? (byte)(fixedTos & 0x03) : (byte)0;
        bool dontFragment = options.PathMtuDiscovery || inner.DontFragment;
        new Ipv4Header(options.Local, options.Remote, protocol, payloadLength, ttl, identification, dontFragment,
            Dscp: dscp, Ecn: ecn).Emit(destination);
    }
}
