using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>Hands a UDP datagram addressed to this node to the listener of its destination port; valid only during the call.</summary>
public delegate void UdpListener(NetInterface ingress, Ipv4Packet packet, UdpDatagram datagram);

public sealed partial class Node
{
    private readonly Dictionary<ushort, UdpListener> _udpListeners = [];

    /// <summary>Registers the listener for datagrams to UDP <paramref name="port"/> (Mobile IP agents use 434); null removes it.</summary>
    public void SetUdpListener(ushort port, UdpListener? listener)
    {
        if (listener is null) _udpListeners.Remove(port);
        else _udpListeners[port] = listener;
    }

    /// <summary>
    /// Delivery to this node: ICMP to the node itself, UDP to its port listener, any other protocol (and UDP
    /// nobody listens to, when a UDP protocol handler is set) to its protocol handler. Nothing to take it
    /// means an ICMP protocol or port unreachable, except for broadcast and multicast (RFC 1122 sec 3.2.2).
    /// </summary>
    private void DeliverLocally(NetInterface iface, Ipv4Packet packet, bool linkBroadcast)
    {
        if (packet.IsFragment)
        {
            Reassemble(iface, packet, linkBroadcast);
            return;
        }
        bool broadcast = linkBroadcast || !IsLocalAddress(packet.Destination);
        switch (packet.Protocol)
        {
            case IpProtocol.Icmp:
                DeliverIcmp(iface, packet, broadcast);
                return;
            case IpProtocol.Udp when DeliverUdp(iface, packet, broadcast):
                return;
        }
        var handler = _protocols[(byte)packet.Protocol];
        if (handler is null)
        {
            Counters.CountDrop(NodeDrop.NoProtocolHandler);
            if (!broadcast) SendIcmpError(packet, IcmpError.ProtocolUnreachable);
            return;
        }
        Counters.PacketsDelivered++;
        handler(iface, packet);
    }

    /// <summary>True when the datagram was dealt with here; false leaves it to the UDP protocol handler.</summary>
    private bool DeliverUdp(NetInterface iface, Ipv4Packet packet, bool broadcast)
    {
        if (!UdpDatagram.TryCreate(packet.Payload, packet.Source, packet.Destination, ChecksumPolicy.Verify, out var datagram, out _))
        {
            Counters.CountDrop(NodeDrop.MalformedUdp);
            return true;
        }
        if (_udpListeners.TryGetValue(datagram.DestinationPort, out var listener))
        {
            Counters.PacketsDelivered++;
            listener(iface, packet, datagram);
            return true;
        }
        if (_protocols[(byte)IpProtocol.Udp] is not null) return false;
        Counters.CountDrop(NodeDrop.NoUdpListener);
        if (!broadcast) SendIcmpError(packet, IcmpError.PortUnreachable);
        return true;
    }
}
