using System.Buffers;
using NetMobility.Wire;

namespace NetMobility.Net;

public sealed partial class Node
{
    private readonly RateLimiter _icmpLimiter;

    /// <summary>The ICMP errors a router or host sends (RFC 792, RFC 1812 sec 5.2.7, RFC 1191).</summary>
    private readonly record struct IcmpError(Icmpv4Type Type, byte Code, ushort NextHopMtu)
    {
        public static readonly IcmpError TimeExceeded = new(Icmpv4Type.TimeExceeded, (byte)Icmpv4TimeExceededCode.TtlExceededInTransit, 0);
        public static readonly IcmpError ReassemblyTimeExceeded = new(Icmpv4Type.TimeExceeded, (byte)Icmpv4TimeExceededCode.FragmentReassemblyTimeExceeded, 0);
        public static readonly IcmpError NetUnreachable = Unreachable(Icmpv4UnreachableCode.Network);
        public static readonly IcmpError HostUnreachable = Unreachable(Icmpv4UnreachableCode.Host);
        public static readonly IcmpError ProtocolUnreachable = Unreachable(Icmpv4UnreachableCode.Protocol);
        public static readonly IcmpError PortUnreachable = Unreachable(Icmpv4UnreachableCode.Port);

        public static IcmpError FragmentationNeeded(int mtu) =>
            new(Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, (ushort)Math.Min(mtu, ushort.MaxValue));

        private static IcmpError Unreachable(Icmpv4UnreachableCode code) => new(Icmpv4Type.DestinationUnreachable, (byte)code, 0);
    }

    /// <summary>
    /// Reports <paramref name="offending"/> to its source, unless RFC 1812 sec 4.3.2.7 forbids it or the rate
    /// limit (sec 4.3.2.8) has no token. The error leaves from the interface that routes back to the source,
    /// with that interface's address (sec 4.3.2.4), quoting as much of the offender as fits 576 bytes.
    /// The caller has already ruled out link-layer and directed broadcasts.
    /// </summary>
    private void SendIcmpError(Ipv4Packet offending, IcmpError error)
    {
        if (!Icmpv4Error.MaySendFor(offending)) return;
        var route = Routes.Lookup(offending.Source);
        if (route is null || route.Interface.Address.IsUnspecified) return;
        if (!_icmpLimiter.TryTake(Time.GetUtcNow().UtcTicks))
        {
            Counters.IcmpErrorsSuppressed++;
            return;
        }
        var egress = route.Interface;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Headroom + Icmpv4Error.MaxDatagramLength);
        try
        {
            var datagram = buffer.AsSpan(Headroom, Icmpv4Error.MaxDatagramLength);
            ushort id = ++_nextIdentification;
            int length = error.Type == Icmpv4Type.TimeExceeded
                ? Icmpv4Error.EmitTimeExceeded(datagram, egress.Address, offending, (Icmpv4TimeExceededCode)error.Code, id)
                : Icmpv4Error.EmitDestinationUnreachable(datagram, egress.Address, offending, (Icmpv4UnreachableCode)error.Code, error.NextHopMtu, id);
            if (SendOriginated(egress, route.NextHop(offending.Source), buffer, length, dontFragment: false)) Counters.IcmpErrorsSent++;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A packet this node would forward on its own terms (a foreign agent handing a decapsulated packet to its visitor)
    /// had TTL 1 or 0: it is dropped and its source told with ICMP time exceeded (RFC 1812 sec 5.3.1), as
    /// <see cref="Forward"/> does.
    /// </summary>
    public void ReportTtlExpired(ReadOnlySpan<byte> packet)
    {
        Counters.CountDrop(NodeDrop.TtlExpired);
        if (Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var view, out _)) SendIcmpError(view, IcmpError.TimeExceeded);
    }

    /// <summary>A packet waited for a neighbour that never answered: a router tells the sender the host is unreachable (RFC 1812 sec 5.2.7.1).</summary>
    internal void OnUnresolved(NetInterface egress, ReadOnlySpan<byte> packet)
    {
        if (!Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var view, out _) || IsLocalAddress(view.Source)) return;
        SendIcmpError(view, IcmpError.HostUnreachable);
    }

    /// <summary>ICMP for this node: echo requests are answered (RFC 1122 sec 3.2.2.6), then every message goes to the ICMP handler, if one is set.</summary>
    private void DeliverIcmp(NetInterface iface, Ipv4Packet packet, bool broadcast)
    {
        if (!Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _))
        {
            Counters.CountDrop(NodeDrop.MalformedIcmp);
            return;
        }
        Counters.PacketsDelivered++;
        // Echo requests to a broadcast or multicast address go unanswered, as Linux does by default.
        if (icmp.Type == Icmpv4Type.EchoRequest && !broadcast) ReplyToEcho(packet, icmp);
        _protocols[(byte)IpProtocol.Icmp]?.Invoke(iface, packet);
    }

    private void ReplyToEcho(Ipv4Packet request, Icmpv4Packet echo)
    {
        var message = Icmpv4Message.EchoReply(echo.Identifier, echo.SequenceNumber, echo.Data.Length);
        var header = new Ipv4Header(request.Destination, request.Source, IpProtocol.Icmp, message.BufferLength, Options.DefaultTtl);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(message.BufferLength);
        try
        {
            message.Emit(buffer, echo.Data);
            if (SendIp(header, buffer.AsSpan(0, message.BufferLength))) Counters.EchoRepliesSent++;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
