using System.Buffers;
using NetMobility.Wire;

namespace NetMobility.Net;

public sealed partial class Node
{
    private ushort _nextIdentification;

    /// <summary>
    /// Sends a complete IPv4 datagram this node built (a tunnel's outer packet, say), routed by its
    /// destination; the bytes are sent as they are. False when there is no route, the egress is down,
    /// or the packet has DF set and does not fit the egress MTU.
    /// </summary>
    public bool SendIp(ReadOnlySpan<byte> packet)
    {
        if (!Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var view, out _))
        {
            Counters.CountDrop(NodeDrop.MalformedIp);
            return false;
        }
        var route = Routes.Lookup(view.Destination);
        if (route is null)
        {
            Counters.CountDrop(NodeDrop.NoRoute);
            return false;
        }
        return SendVia(route.Interface, route.NextHop(view.Destination), view.Buffer, view.DontFragment);
    }

    /// <summary>
    /// Builds and sends a datagram: <paramref name="header"/> (its payload length is taken from
    /// <paramref name="payload"/>; an unspecified source becomes the egress interface's address; a zero
    /// identification gets the node's next one) and the payload. Broadcast and multicast destinations leave
    /// by <paramref name="via"/>, which is required for them; unicast is routed unless <paramref name="via"/> is given.
    /// </summary>
    public bool SendIp(Ipv4Header header, ReadOnlySpan<byte> payload, NetInterface? via = null)
    {
        if (!TrySelectEgress(header.Destination, via, out var egress, out var nextHop)) return CountNoRoute();
        header = header with
        {
            Source = header.Source.IsUnspecified ? egress.Address : header.Source,
            Identification = header.Identification != 0 ? header.Identification : ++_nextIdentification,
            PayloadLength = payload.Length,
        };
        int length = header.BufferLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Headroom + length);
        try
        {
            var packet = buffer.AsSpan(Headroom, length);
            int headerLength = header.Emit(packet);
            payload.CopyTo(packet[headerLength..]);
            return SendOriginated(egress, nextHop, buffer, length, header.DontFragment);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Sends a UDP datagram with its checksum (RFC 768). An unspecified <paramref name="source"/> becomes the
    /// egress interface's address; <paramref name="via"/> as for <see cref="SendIp(Ipv4Header, ReadOnlySpan{byte}, NetInterface?)"/>.
    /// </summary>
    public bool SendUdp(Ipv4Address source, Ipv4Address destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload,
        NetInterface? via = null, byte? timeToLive = null)
    {
        if (!TrySelectEgress(destination, via, out var egress, out _)) return CountNoRoute();
        if (source.IsUnspecified) source = egress.Address;
        var udp = new UdpHeader(sourcePort, destinationPort, payload.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(udp.BufferLength);
        try
        {
            var datagram = buffer.AsSpan(0, udp.BufferLength);
            payload.CopyTo(datagram[UdpHeader.HeaderLength..]);
            udp.Emit(datagram, source, destination);
            var header = new Ipv4Header(source, destination, IpProtocol.Udp, datagram.Length, timeToLive ?? Options.DefaultTtl);
            return SendIp(header, datagram, via);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Where a datagram this node originates leaves: through <paramref name="via"/> when given, else by the route.</summary>
    private bool TrySelectEgress(Ipv4Address destination, NetInterface? via, out NetInterface egress, out Ipv4Address nextHop)
    {
        if (via is not null)
        {
            egress = via;
            nextHop = destination;
            if (!destination.IsMulticast && !via.IsBroadcast(destination) && Routes.Lookup(destination) is { } viaRoute && viaRoute.Interface == via)
                nextHop = viaRoute.NextHop(destination);
            return true;
        }
        // A broadcast or multicast has no route: the caller names the interface.
        if (!destination.IsBroadcast && !destination.IsMulticast && Routes.Lookup(destination) is { } route)
        {
            egress = route.Interface;
            nextHop = route.NextHop(destination);
            return true;
        }
        egress = null!;
        nextHop = default;
        return false;
    }

    /// <summary>The address a datagram this node sends to <paramref name="destination"/> carries as its source: that of the egress interface.</summary>
    public bool TryGetSourceAddress(Ipv4Address destination, out Ipv4Address source, NetInterface? via = null)
    {
        source = TrySelectEgress(destination, via, out var egress, out _) ? egress.Address : default;
        return !source.IsUnspecified;
    }

    private bool CountNoRoute()
    {
        Counters.CountDrop(NodeDrop.NoRoute);
        return false;
    }

    private bool SendVia(NetInterface egress, Ipv4Address nextHop, ReadOnlySpan<byte> packet, bool dontFragment)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Headroom + packet.Length);
        try
        {
            packet.CopyTo(buffer.AsSpan(Headroom));
            return SendOriginated(egress, nextHop, buffer, packet.Length, dontFragment);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool SendOriginated(NetInterface egress, Ipv4Address nextHop, byte[] buffer, int length, bool dontFragment)
    {
        if (!egress.IsUp)
        {
            Counters.CountDrop(NodeDrop.InterfaceDown);
            return false;
        }
        if (length > egress.Mtu && dontFragment)
        {
            Counters.CountDrop(NodeDrop.FragmentationNeeded);
            return false;
        }
        Counters.PacketsSent++;
        Output(egress, nextHop, buffer, length);
        return true;
    }

    /// <summary>
    /// Puts a datagram (at <see cref="Headroom"/> in <paramref name="buffer"/>) on <paramref name="egress"/>
    /// towards <paramref name="nextHop"/>: fragmented first if it does not fit, then straight onto a datagram
    /// link, or framed to the next hop's hardware address, or held while that address is resolved.
    /// </summary>
    private void Output(NetInterface egress, Ipv4Address nextHop, byte[] buffer, int length)
    {
        if (length > egress.Mtu)
        {
            Fragment(egress, nextHop, buffer.AsSpan(Headroom, length));
            return;
        }
        if (egress.PacketLink is { } datagramLink)
        {
            if (!datagramLink.Send(buffer.AsSpan(Headroom, length))) CountLinkRefusal(egress);
            return;
        }
        if (nextHop.IsMulticast)
        {
            // RFC 1112 sec 6.4: 01-00-5E followed by the low 23 bits of the group address.
            TransmitResolved(egress, new MacAddress(0x01_00_5E_00_00_00UL | (nextHop.Value & 0x7F_FFFF)), buffer, length);
            return;
        }
        if (egress.IsBroadcast(nextHop))
        {
            TransmitResolved(egress, MacAddress.Broadcast, buffer, length);
            return;
        }
        if (Arp.TryResolve(egress, nextHop, out var mac)) TransmitResolved(egress, mac, buffer, length);
        else Arp.Enqueue(egress, nextHop, buffer.AsSpan(Headroom, length));
    }

    /// <summary>Writes the Ethernet header into the headroom and sends the frame.</summary>
    internal void TransmitResolved(NetInterface egress, MacAddress destination, byte[] buffer, int length)
    {
        new EthernetHeader(destination, egress.Mac, EtherType.Ipv4).Emit(buffer);
        if (!egress.Link!.Send(buffer.AsSpan(0, Headroom + length))) CountLinkRefusal(egress);
    }

    private void CountLinkRefusal(NetInterface egress) =>
        Counters.CountDrop(egress.IsUp ? NodeDrop.LinkRefused : NodeDrop.InterfaceDown);
}
