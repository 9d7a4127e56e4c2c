using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/*  Minimal encapsulation inside a Mobile IP UDP tunnel (RFC 3519 sec 3.1.4 and 3.3: Next Header 55; RFC 2004 sec 3):

    | the inner IPv4 header, rewritten: protocol UDP (17), source and destination the tunnel's ends, total length |
    | UDP header (8), ports of the NAT mapping | tunnel data header (4): Type 4, Next Header 55 |
    | minimal forwarding header (12): original protocol, S set, checksum, original destination, original source |
    | the inner payload ...

    As in RFC 2004 the inner header is the outer one: TTL, TOS, identification, DF and options travel as they were,
    so the tunnel's ttl and tos settings do not apply. The S bit is always set here, also for this end's own keepalives:
    a NAT between the ends rewrites the outer source, so the original source cannot be left to it.
    A fragment is never encapsulated (RFC 2004 sec 3), so an inner packet over the tunnel MTU is never fragmented:
    with DF it is reported to the sender, without DF it is dropped as too big.
*/
public sealed partial class UdpTunnel
{
    private const int MinimalPrefix = UdpHeader.HeaderLength + TunnelDataHeader.HeaderLength;

    private void SendMinimal(ReadOnlySpan<byte> inner)
    {
        if (!Ipv4Packet.TryCreate(inner, ChecksumPolicy.None, out var packet, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        if (packet.IsFragment)
        {
            Counters.Drop(TunnelDropReason.Unencapsulable);
            return;
        }
        if (!PassesEntry(packet)) return;
        int mtu = Mtu;
        if (packet.Buffer.Length > mtu)
        {
            if (packet.DontFragment) RefuseTooBig(packet.Buffer, mtu);
            else Counters.Drop(TunnelDropReason.TooBig);
            return;
        }
        EncapsulateMinimal(packet);
    }

    /// <summary>Builds the outer packet from <paramref name="packet"/> (not in <see cref="IpTunnelEndpoint.OuterPacket"/>) and sends it.</summary>
    private void EncapsulateMinimal(Ipv4Packet packet)
    {
        int headerLength = packet.HeaderLength;
        var forwarding = new MinimalForwardingHeader(packet.Protocol, packet.Destination, packet.Source);
        int udpLength = MinimalPrefix + forwarding.Length + packet.Payload.Length;
        var outer = OuterPacket.AsSpan(0, headerLength + udpLength);
        packet.Header.CopyTo(outer);
        int at = headerLength + UdpHeader.HeaderLength;
        at += new TunnelDataHeader(IpProtocol.MinimalEncapsulation).Emit(outer[at..]);
        at += forwarding.Emit(outer[at..]);
        packet.Payload.CopyTo(outer[at..]);
        outer[IpHeaderProtocolOffset] = (byte)IpProtocol.Udp;
        _options.Local.Write(outer[IpHeaderSourceOffset..]);
        _options.Remote.Write(outer[IpHeaderDestinationOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(outer[IpHeaderTotalLengthOffset..], (ushort)outer.Length);
        Ipv4InPlace.RewriteChecksum(outer[..headerLength]);
        new UdpHeader(_options.LocalPort, _options.RemotePort, udpLength - UdpHeader.HeaderLength).Emit(outer[headerLength..], _options.Local, _options.Remote);
        _lastSentTimestamp = _time.GetTimestamp();
        Counters.Sent(outer.Length);
        Host.Transmit(outer);
    }

    /// <summary>
    /// RFC 2004 sec 3 with the outer header in the place of the rewritten one: protocol, destination and source come
    /// back from the forwarding header (the outer source when S is clear), the UDP, tunnel data and forwarding headers
    /// go, the total length shrinks and the header checksum is recomputed. The forwarding header's checksum must verify.
    /// </summary>
    private void ReceiveMinimal(Ipv4Packet ip, ReadOnlySpan<byte> carried)
    {
        if (!MinimalForwardingPacket.TryCreate(carried, ChecksumPolicy.Verify, out var forwarding, out var error))
        {
            Counters.Drop(error == WireError.BadChecksum ? TunnelDropReason.BadChecksum : TunnelDropReason.Malformed);
            return;
        }
        int length = ip.HeaderLength + forwarding.Payload.Length;
        var rented = TunnelBufferPool.Shared.Rent(length);
        try
        {
            var inner = rented.AsSpan(0, length);
            Restore(ip, forwarding, length, inner);
            if (!Ipv4Packet.TryCreate(inner, ChecksumPolicy.None, out var packet, out _))
            {
                Counters.Drop(TunnelDropReason.Malformed);
                return;
            }
            DeliverInner(ip.Ecn, packet);
        }
        finally
        {
            TunnelBufferPool.Shared.Return(rented);
        }
    }

    /// <summary>An ICMP error's quote of a packet this end sent, restored to the inner packet as far as it is quoted; empty when it cannot be.</summary>
    private ReadOnlySpan<byte> RestoreQuotedMinimal(Ipv4Packet quotedOuter)
    {
        var payload = quotedOuter.Payload;
        if (payload.Length <= MinimalPrefix
            || !MinimalForwardingPacket.TryCreate(payload[MinimalPrefix..], ChecksumPolicy.None, out var forwarding, out _))
            return [];
        int length = quotedOuter.HeaderLength + forwarding.Payload.Length;
        int totalLength = quotedOuter.TotalLength - MinimalPrefix - forwarding.HeaderLength;
        if (length > _quoteScratch.Length || totalLength < length) return [];
        var inner = _quoteScratch.AsSpan(0, length);
        Restore(quotedOuter, forwarding, totalLength, inner);
        return inner;
    }

    private static void Restore(Ipv4Packet outer, MinimalForwardingPacket forwarding, int totalLength, Span<byte> inner)
    {
        int headerLength = outer.HeaderLength;
        outer.Header.CopyTo(inner);
        forwarding.Payload[..(inner.Length - headerLength)].CopyTo(inner[headerLength..]);
        inner[IpHeaderProtocolOffset] = (byte)forwarding.Protocol;
        forwarding.OriginalDestination.Write(inner[IpHeaderDestinationOffset..]);
        (forwarding.OriginalSource ?? outer.Source).Write(inner[IpHeaderSourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(inner[IpHeaderTotalLengthOffset..], (ushort)totalLength);
        Ipv4InPlace.RewriteChecksum(inner[..headerLength]);
    }

    // RFC 791 sec 3.1: where the fields this file rewrites sit in an IPv4 header.
    private const int IpHeaderTotalLengthOffset = 2;
    private const int IpHeaderProtocolOffset = 9;
    private const int IpHeaderSourceOffset = 12;
    private const int IpHeaderDestinationOffset = 16;
}
