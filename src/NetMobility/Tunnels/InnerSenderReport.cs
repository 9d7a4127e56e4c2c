using System.Buffers;
using NetMobility.Net;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The ICMP errors a node sends to the sender of a packet its tunnel could not take or a router inside the tunnel
/// could not deliver: fragmentation needed with the tunnel MTU (RFC 1191 sec 4, RFC 1812 sec 5.2.7.1), or the
/// destination unreachable code RFC 2003 sec 4.1 maps a router's error to.
/// </summary>
internal static class InnerSenderReport
{
    /// <summary>
    /// Sends destination unreachable, <paramref name="code"/> (with <paramref name="mtu"/> as the next-hop MTU for
    /// fragmentation needed), from the address of the interface that routes back to the sender (RFC 1812 sec 4.3.2.4).
    /// <paramref name="innerPacket"/> is the packet, whole or as far as an ICMP error quoted it. Nothing is sent when
    /// RFC 1812 sec 4.3.2.7 forbids an error about the packet or no route leads back.
    /// </summary>
    public static void Send(Node node, ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code, int mtu = 0)
    {
        if (!Ipv4Packet.TryCreateQuoted(innerPacket, out var offending, out _) || !Icmpv4Error.MaySendFor(offending)) return;
        var route = node.Routes.Lookup(offending.Source);
        if (route is null || route.Interface.Address.IsUnspecified) return;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Icmpv4Error.MaxDatagramLength);
        try
        {
            int length = Icmpv4Error.EmitDestinationUnreachable(buffer.AsSpan(0, Icmpv4Error.MaxDatagramLength), route.Interface.Address,
                offending, code, (ushort)Math.Min(mtu, ushort.MaxValue));
            node.SendIp(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static void SendTooBig(Node node, ReadOnlySpan<byte> innerPacket, int mtu) =>
        Send(node, innerPacket, Icmpv4UnreachableCode.FragmentationNeeded, mtu);
}
