using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A GRE tunnel endpoint (RFC 2784, key and sequence number per RFC 2890) carrying IPv4 packets or, as
/// gretap, Ethernet frames, configured the way ip-link(8) configures one:
/// <list type="bullet">
/// <item>ikey: a received packet without a key, or with another key, is dropped; without ikey, a received packet with a key is dropped.</item>
/// <item>okey: every sent packet carries the key.</item>
/// <item>iseq: a received packet without a sequence number is dropped; the others pass the RFC 2890 sec 2.2 receive window.</item>
/// <item>oseq: sent packets are numbered 0, 1, 2 ...</item>
/// <item>icsum: a received packet without a checksum is dropped. A checksum that is present is verified whatever icsum says.</item>
/// <item>ocsum: every sent packet carries a checksum over GRE header and payload.</item>
/// </list>
/// Sending: an inner IPv4 packet longer than <see cref="Mtu"/> with DF set is refused and reported to the host
/// (ICMP fragmentation-needed with the tunnel MTU); one without DF is fragmented before encapsulation or
/// refused, per <see cref="IpTunnelOptions.Oversize"/>. A gretap frame too long for the tunnel is refused (an
/// Ethernet frame cannot be fragmented), and reported when it carries an IPv4 packet with DF.
/// Nothing is allocated per packet: every outer packet is built in one buffer the endpoint owns.
/// </summary>
public sealed class GreTunnel : IpTunnelEndpoint
{
    private readonly GreTunnelOptions _options;
    private readonly GreReceiveWindow? _window;
    private readonly EtherType _payloadType;
    private uint _nextSequence;
    private uint _sequence;
    private ushort _identification;

    public GreTunnel(GreTunnelOptions options, TimeProvider time, ITunnelHost host)
        : base(options, time, host, TunnelMtu.Ipv4HeaderLength + options.OutputHeaderLength)
    {
        _options = options;
        _payloadType = options.Mode == GreMode.Ipv4 ? EtherType.Ipv4 : EtherType.TransparentEthernetBridging;
        if (options.InputSequence) _window = new GreReceiveWindow(options.Reorder, time, host, Counters);
    }

    public GreTunnelOptions Options => _options;
    public override IpProtocol OuterProtocol => IpProtocol.Gre;
    public override uint? InputKey => _options.InputKey;

    /// <summary>The receive window, when iseq is on.</summary>
    public GreReceiveWindow? Window => _window;

    public override void Send(ReadOnlySpan<byte> inner)
    {
        if (_options.Mode == GreMode.Ipv4) SendIpv4(inner);
        else SendFrame(inner);
    }

    private void SendFrame(ReadOnlySpan<byte> inner)
    {
        if (!EthernetFrame.TryCreate(inner, out var frame, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        var fields = OuterHeader.InnerFields.NotIp;
        Ipv4Packet ip = default;
        bool carriesIp = frame.EtherType == EtherType.Ipv4 && Ipv4Packet.TryCreate(frame.Payload, ChecksumPolicy.None, out ip, out _);
        if (carriesIp) fields = OuterHeader.InnerFields.Of(ip);
        int mtu = Mtu;
        if (inner.Length - EthernetHeader.UntaggedLength > mtu)
        {
            if (carriesIp && ip.DontFragment) RefuseTooBig(ip.Buffer, mtu);
            else Counters.Drop(TunnelDropReason.TooBig);
            return;
        }
        inner.CopyTo(InnerSlot);
        Encapsulate(inner.Length, fields);
    }

    private protected override void Encapsulate(int innerLength, OuterHeader.InnerFields fields)
    {
        var packet = OuterPacket.AsSpan(0, TunnelMtu.Ipv4HeaderLength + _options.OutputHeaderLength + innerLength);
        uint? sequence = _options.OutputSequence ? _nextSequence++ : null;
        var gre = new GreHeader(_payloadType, _options.OutputKey, sequence, _options.OutputChecksum);
        int greLength = gre.EmitPacket(packet[TunnelMtu.Ipv4HeaderLength..], innerLength, ChecksumPolicy.Compute);
        OuterHeader.Emit(_options, packet, IpProtocol.Gre, greLength, _identification++, fields);
        Counters.Sent(packet.Length);
        Host.Transmit(packet);
    }

    public override void Receive(Ipv4Packet ip)
    {
        if (!TryAcceptOuter(ip)) return;
        if (!GrePacket.TryCreate(ip.Payload, ChecksumPolicy.Verify, out var gre, out var error))
        {
            Counters.Drop(error == WireError.BadChecksum ? TunnelDropReason.BadChecksum : TunnelDropReason.Malformed);
            return;
        }
        if (Refusal(gre) is TunnelDropReason reason)
        {
            Counters.Drop(reason);
            return;
        }
        var payload = gre.Payload;
        bool wellFormed = _options.Mode == GreMode.Ipv4
            ? Ipv4Packet.TryCreate(payload, ChecksumPolicy.None, out _, out _)
            : EthernetFrame.TryCreate(payload, out _, out _);
        if (!wellFormed)
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        if (_options.Mode == GreMode.Ipv4 && !TryAcceptInner(payload)) return;
        _sequence = gre.SequenceNumber.GetValueOrDefault();
        // RFC 6040 sec 4.2 for an IPv4 payload; an Ethernet frame is bridged as it came.
        if (_options.Mode == GreMode.Ipv4) DeliverWithEcn(ip.Ecn, payload, ToWindowOrHost);
        else Pass(payload);
    }

    private static readonly InnerDelivery ToWindowOrHost = static (endpoint, payload) => ((GreTunnel)endpoint).Pass(payload);

    /// <summary>A decapsulated payload of the packet numbered <see cref="_sequence"/>, to the receive window or straight on.</summary>
    private void Pass(ReadOnlySpan<byte> payload)
    {
        if (_window is not null) _window.Receive(_sequence, _payloadType, payload);
        else Deliver(_payloadType, payload);
    }

    /// <summary>Why the tunnel's icsum, ikey, iseq and mode refuse a well-formed GRE packet; null when they accept it.</summary>
    private TunnelDropReason? Refusal(GrePacket gre)
    {
        if (_options.InputChecksum && !gre.ChecksumPresent) return TunnelDropReason.MissingChecksum;
        if (_options.InputKey is uint key)
        {
            if (!gre.KeyPresent) return TunnelDropReason.MissingKey;
            if (gre.Key.GetValueOrDefault() != key) return TunnelDropReason.BadKey;
        }
        else if (gre.KeyPresent)
        {
            return TunnelDropReason.BadKey;
        }
        if (_options.InputSequence && !gre.SequencePresent) return TunnelDropReason.MissingSequence;
        if (gre.ProtocolType != _payloadType) return TunnelDropReason.UnknownProtocol;
        return null;
    }

    /// <summary>The IPv4 payload behind a quoted GRE header; a gretap payload is a frame, whose sender has no IPv4 address to tell.</summary>
    private protected override ReadOnlySpan<byte> QuotedInner(Ipv4Packet quotedOuter) =>
        _options.Mode == GreMode.Ipv4 && GrePacket.TryCreate(quotedOuter.Payload, ChecksumPolicy.None, out var gre, out _) ? gre.Payload : default;

    public override void Dispose() => _window?.Dispose();
}
