using System.Buffers;
using NetMobility.Net;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>The ICMP fragmentation-needed a node sends for a packet its tunnel could not take (RFC 1191 sec 4, RFC 1812 sec 5.2.7.1).</summary>
internal static class TooBigReport
{
    /// <summary>
    /// Sends destination unreachable, fragmentation needed, with <paramref name="mtu"/> as the next-hop MTU, from the
    /// address of the interface that routes back to the sender (RFC 1812 sec 4.3.2.4). Nothing is sent when RFC 1812
    /// sec 4.3.2.7 forbids an error about the packet or no route leads back.
    /// </summary>
    public static void Send(Node node, ReadOnlySpan<byte> innerPacket, int mtu)
    {
        if (!Ipv4Packet.TryCreate(innerPacket, ChecksumPolicy.None, out var offending, out _) || !Icmpv4Error.MaySendFor(offending)) return;
        var route = node.Routes.Lookup(offending.Source);
        if (route is null || route.Interface.Address.IsUnspecified) return;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Icmpv4Error.MaxDatagramLength);
        try
        {
            int length = Icmpv4Error.EmitDestinationUnreachable(buffer.AsSpan(0, Icmpv4Error.MaxDatagramLength), route.Interface.Address,
                offending, Icmpv4UnreachableCode.FragmentationNeeded, (ushort)Math.Min(mtu, ushort.MaxValue));
            node.SendIp(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
