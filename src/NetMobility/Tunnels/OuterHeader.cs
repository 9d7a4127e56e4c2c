using System.Buffers.Binary;
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
    /// Writes the 20-byte outer header for <paramref name="payloadLength"/> bytes of encapsulated payload, field by
    /// field at the RFC 791 sec 3.1 offsets: an outer header never has options, so the per-packet path skips the
    /// general header representation and its option storage.
    /// </summary>
    public static void Emit(IpTunnelOptions options, Span<byte> destination, IpProtocol protocol, int payloadLength, ushort identification, InnerFields inner)
    {
        var header = destination[..Ipv4Field.MinHeaderLength];
        header[Ipv4Field.VersionIhl] = 0x45;
        // "tos inherit" copies the DSCP only. The outer ECN field stays Not-ECT: that is RFC 6040 sec 4.1's
        // compatibility mode, the one to use when the decapsulator does not propagate congestion marks into
        // the inner header, as these endpoints do not.
        header[Ipv4Field.TypeOfService] = options.Tos ?? (byte)(inner.Dscp << 2);
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Field.TotalLength..], (ushort)(Ipv4Field.MinHeaderLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Field.Identification..], identification);
        bool dontFragment = options.PathMtuDiscovery || inner.DontFragment;
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Field.FlagsFragment..], dontFragment ? Ipv4Field.DontFragmentFlag : (ushort)0);
        header[Ipv4Field.TimeToLive] = options.Ttl != 0 ? options.Ttl : inner.IsIp ? inner.TimeToLive : options.DefaultTtl;
        header[Ipv4Field.Protocol] = (byte)protocol;
        options.Local.Write(header[Ipv4Field.Source..]);
        options.Remote.Write(header[Ipv4Field.Destination..]);
        Ipv4InPlace.RewriteChecksum(header);
    }
}
