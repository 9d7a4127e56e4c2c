using System.Buffers;
using NetMobility.Capture;
using NetMobility.Configuration;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Replay;

/// <summary>
/// A bare tunnel endpoint built from the <c>tunnel</c> object of a replay configuration, with two interfaces:
/// interface 0 ("outer") carries outer IPv4 packets, interface 1 ("inner") the packets that go through the
/// tunnel (IPv4, or Ethernet frames for gretap). What comes in on one side is encapsulated or decapsulated and
/// written out on the other; an ICMP fragmentation-needed report goes back out of the inner side, from the
/// tunnel's local address (a gretap inner side, which carries frames, has no sender address to frame one for,
/// so there the report is only counted). An ICMP error on the outer side about one of the endpoint's outer packets
/// goes to the endpoint (RFC 2003 sec 4): what it relays to the inner sender leaves by the inner side the same way. IPv4 sides write raw IPv4 (link type 228) and read raw IPv4 or
/// Ethernet frames.
/// </summary>
public sealed class ReplayEndpoint : IReplayTarget, ITunnelHost
{
    private const int Outer = 0;
    private const int Inner = 1;
    private readonly ReplayInterface[] _interfaces;
    private readonly ITunnelEndpoint _endpoint;
    private readonly Ipv4Address _local;

    private ReplayEndpoint(TunnelConfig tunnel, TimeProvider time)
    {
        _local = tunnel.Options.Local;
        _interfaces =
        [
            new ReplayInterface("outer", LinkType.RawIpv4),
            new ReplayInterface("inner", tunnel.Kind.CarriesEthernet ? LinkType.Ethernet : LinkType.RawIpv4),
        ];
        _endpoint = tunnel.Kind.CreateEndpoint(tunnel.Options, time, this);
    }

    public ITunnelEndpoint Endpoint => _endpoint;
    public IReadOnlyList<ReplayInterface> Interfaces => _interfaces;
    public IReplayOutput? Output { get; set; }

    /// <summary>Builds the endpoint; its timers run on <paramref name="loop"/>.</summary>
    public static ReplayEndpoint Build(ConfigElement config, EventLoop loop) =>
        new(TunnelConfig.Read(config, asInterface: false), new LoopTimeProvider(loop));

    public string? Inject(int interfaceIndex, LinkType linkType, ReadOnlySpan<byte> frame)
    {
        bool wantsFrames = _interfaces[interfaceIndex].LinkType == LinkType.Ethernet;
        if (wantsFrames)
        {
            if (linkType != LinkType.Ethernet) return $"link type {(ushort)linkType} cannot feed the gretap inner side, which takes Ethernet frames";
            _endpoint.Send(frame);
            return null;
        }
        if (!TryGetIpv4(linkType, frame, out var packet)) return $"link type {(ushort)linkType} carries no IPv4 packet for the {_interfaces[interfaceIndex].Name} side";
        if (interfaceIndex == Inner) _endpoint.Send(packet);
        else if (!TunnelTable.TryTakeError(packet, _endpoint)) _endpoint.Receive(packet);
        return null;
    }

    /// <summary>The IPv4 packet in a raw-IP record, or in an Ethernet frame of type 0x0800; empty when it is neither.</summary>
    private static bool TryGetIpv4(LinkType linkType, ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> packet)
    {
        packet = default;
        switch (linkType)
        {
            case LinkType.RawIpv4:
            case LinkType.Raw:
                packet = frame;
                return true;
            case LinkType.Ethernet:
                if (!EthernetFrame.TryCreate(frame, out var ethernet, out _) || ethernet.EtherType != EtherType.Ipv4) return false;
                packet = ethernet.Payload;
                return true;
            default:
                return false;
        }
    }

    void ITunnelHost.Transmit(ReadOnlySpan<byte> outerPacket) => Output?.Write(Outer, outerPacket);

    void IInnerPacketSink.Deliver(EtherType protocol, ReadOnlySpan<byte> payload) => Output?.Write(Inner, payload);

    void ITunnelHost.ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => ReportToSender(innerPacket, Icmpv4UnreachableCode.FragmentationNeeded, mtu);

    void ITunnelHost.ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => ReportToSender(innerPacket, code, 0);

    /// <summary>Destination unreachable to the inner packet's sender, out of the inner side, from the tunnel's local address.</summary>
    private void ReportToSender(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code, int mtu)
    {
        if (!Ipv4Packet.TryCreateQuoted(innerPacket, out var offending, out _) || !Icmpv4Error.MaySendFor(offending)) return;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Icmpv4Error.MaxDatagramLength);
        try
        {
            int length = Icmpv4Error.EmitDestinationUnreachable(buffer.AsSpan(0, Icmpv4Error.MaxDatagramLength), _local, offending, code, (ushort)mtu);
            if (_interfaces[Inner].LinkType == LinkType.RawIpv4) Output?.Write(Inner, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _endpoint.Dispose();
}
