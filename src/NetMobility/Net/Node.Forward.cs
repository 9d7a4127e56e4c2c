using System.Buffers;
using NetMobility.Wire;

namespace NetMobility.Net;

public sealed partial class Node
{
    /// <summary>RFC 1812 sec 5.2: route, check TTL and size, decrement the TTL with an incremental checksum update, send.</summary>
    private void Forward(NetInterface ingress, Ipv4Packet packet)
    {
        // RFC 1812 sec 5.3.1: a packet that arrives with TTL 1 (or 0) is not forwarded.
        if (packet.TimeToLive <= 1)
        {
            Counters.CountDrop(NodeDrop.TtlExpired);
            SendIcmpError(packet, IcmpError.TimeExceeded);
            return;
        }
        var route = Routes.Lookup(packet.Destination);
        if (route is null)
        {
            Counters.CountDrop(NodeDrop.NoRoute);
            SendIcmpError(packet, IcmpError.NetUnreachable);
            return;
        }
        var egress = route.Interface;
        if (!egress.IsUp)
        {
            Counters.CountDrop(NodeDrop.InterfaceDown);
            return;
        }
        int length = packet.Buffer.Length;
        // RFC 1812 sec 5.2.6 / RFC 1191: a DF packet that does not fit is refused, with the MTU that would have taken it.
        if (length > egress.Mtu && packet.DontFragment)
        {
            Counters.CountDrop(NodeDrop.FragmentationNeeded);
            SendIcmpError(packet, IcmpError.FragmentationNeeded(egress.Mtu));
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Headroom + length);
        try
        {
            var copy = buffer.AsSpan(Headroom, length);
            packet.Buffer.CopyTo(copy);
            Ipv4InPlace.TryDecrementTimeToLive(copy);
            Counters.PacketsForwarded++;
            Output(egress, route.NextHop(packet.Destination), buffer, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
