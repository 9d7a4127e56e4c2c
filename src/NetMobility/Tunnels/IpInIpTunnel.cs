using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// An IP-in-IP tunnel endpoint (RFC 2003), the encapsulation every Mobile IP home and foreign agent must
/// support (RFC 5944 sec 4.1). The inner datagram travels unchanged behind a new outer header
/// whose TTL, TOS and DF follow <see cref="IpTunnelOptions"/>; received outer packets must come from the
/// remote address to the local one and hold one whole IPv4 datagram.
/// </summary>
public sealed class IpInIpTunnel : IpTunnelEndpoint
{
    private readonly IpInIpTunnelOptions _options;
    private ushort _identification;

    /// <param name="time">The clock the tunnel MTU soft state ages by; the system clock when null.</param>
    public IpInIpTunnel(IpInIpTunnelOptions options, ITunnelHost host, TimeProvider? time = null)
        : base(options, time ?? TimeProvider.System, host, IpInIp.OuterHeaderLength) => _options = options;

    public IpInIpTunnelOptions Options => _options;
    public override IpProtocol OuterProtocol => IpProtocol.IpInIp;

    public override void Send(ReadOnlySpan<byte> inner) => SendIpv4(inner);

    private protected override void Encapsulate(int innerLength, OuterHeader.InnerFields fields)
    {
        var packet = OuterPacket.AsSpan(0, IpInIp.OuterHeaderLength + innerLength);
        OuterHeader.Emit(_options, packet, IpProtocol.IpInIp, innerLength, _identification++, fields);
        Counters.Sent(packet.Length);
        Host.Transmit(packet);
    }

    public override void Receive(Ipv4Packet ip)
    {
        if (!TryAcceptOuter(ip)) return;
        if (!IpInIp.TryDecapsulate(ip.Buffer, out int offset, out int length, out var error))
        {
            Counters.Drop(error == WireError.BadVersion ? TunnelDropReason.UnknownProtocol : TunnelDropReason.Malformed);
            return;
        }
        var inner = ip.Buffer.Slice(offset, length);
        if (TryAcceptInner(inner)) DeliverIpv4WithEcn(ip.Ecn, inner);
    }

    private protected override ReadOnlySpan<byte> QuotedInner(Ipv4Packet quotedOuter) => quotedOuter.Payload;
}
