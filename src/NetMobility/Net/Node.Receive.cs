using NetMobility.Wire;

namespace NetMobility.Net;

public sealed partial class Node
{
    private void OnFrame(NetInterface iface, ReadOnlySpan<byte> frame)
    {
        Counters.FramesReceived++;
        if (!EthernetFrame.TryCreate(frame, out var ethernet, out _))
        {
            Counters.CountDrop(NodeDrop.MalformedFrame);
            return;
        }
        for (int i = 0; i < _frameHooks.Count; i++)
        {
            if (!_frameHooks[i](iface, ethernet)) continue;
            Counters.FramesHooked++;
            return;
        }
        var destination = ethernet.Destination;
        bool linkBroadcast = destination.IsMulticast;
        if (!linkBroadcast && destination != iface.Mac && !iface.Promiscuous)
        {
            Counters.CountDrop(NodeDrop.NotForThisHost);
            return;
        }
        switch (ethernet.EtherType)
        {
            case EtherType.Arp:
                Arp.Receive(iface, ethernet.Payload);
                break;
            case EtherType.Ipv4:
                ReceiveIp(iface, ethernet.Payload, linkBroadcast);
                break;
            default:
                Counters.CountDrop(NodeDrop.UnknownEtherType);
                break;
        }
    }

    /// <summary>An IPv4 datagram arrived on <paramref name="iface"/>: check it, filter it, offer it to the hooks, then deliver or forward it.</summary>
    private void ReceiveIp(NetInterface iface, ReadOnlySpan<byte> bytes, bool linkBroadcast)
    {
        Counters.PacketsReceived++;
        if (!Ipv4Packet.TryCreate(bytes, ChecksumPolicy.Verify, out var packet, out var error))
        {
            Counters.CountDrop(error == WireError.BadChecksum ? NodeDrop.BadChecksum : NodeDrop.MalformedIp);
            return;
        }
        var source = packet.Source;
        // RFC 1812 sec 5.3.7: no packet comes from a broadcast, multicast or loopback address.
        if (source.IsBroadcast || source.IsMulticast || source.IsLoopback || iface.IsBroadcast(source))
        {
            Counters.CountDrop(NodeDrop.MartianSource);
            return;
        }
        // RFC 3704 sec 2.2 strict reverse-path check: the best route back to the source must leave by this interface.
        if (iface.IngressFilter && !source.IsUnspecified && Routes.Lookup(source)?.Interface != iface)
        {
            Counters.CountDrop(NodeDrop.IngressFiltered);
            return;
        }
        for (int i = 0; i < _hooks.Count; i++)
        {
            if (!_hooks[i](iface, packet)) continue;
            Counters.PacketsHooked++;
            return;
        }
        if (IsForThisNode(iface, packet.Destination))
        {
            DeliverLocally(iface, packet, linkBroadcast);
            return;
        }
        if (!Forwarding)
        {
            Counters.CountDrop(NodeDrop.NotForwarding);
            return;
        }
        if (linkBroadcast)
        {
            Counters.CountDrop(NodeDrop.LinkBroadcast);
            return;
        }
        if (source.IsUnspecified)
        {
            Counters.CountDrop(NodeDrop.MartianSource); // RFC 1812 sec 5.3.7: never forwarded
            return;
        }
        Forward(iface, packet);
    }

    /// <summary>Own addresses, the broadcasts of any interface's network (directed broadcasts are not forwarded, RFC 2644), and multicast (delivered, never forwarded).</summary>
    private bool IsForThisNode(NetInterface iface, Ipv4Address destination)
    {
        if (destination.IsMulticast || iface.IsBroadcast(destination)) return true;
        foreach (var other in _interfaces)
            if ((other.Address == destination && !destination.IsUnspecified) || other.IsBroadcast(destination)) return true;
        return false;
    }
}
