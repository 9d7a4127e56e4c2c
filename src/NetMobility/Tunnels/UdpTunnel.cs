using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/*  One outer packet of a Mobile IP UDP tunnel, RFC 3519 sec 4.2:

    | outer IPv4 header (20) | UDP header (8), ports of the NAT mapping | tunnel data header (4): Type 4, Next Header 4 |
    | inner IPv4 datagram ...

    or, carrying GRE (sec 3.3, Next Header 47), a 4-octet GRE header (protocol type 0x0800) before the inner datagram;
    or, carrying minimal encapsulation (Next Header 55), no IPv4 header of its own: UdpTunnel.Minimal.cs.

    A keepalive (RFC 3519 sec 4.9) is the same with an ICMP echo request from the end behind the NAT to the other end
    as the inner datagram.
*/

/// <summary>
/// A Mobile IP UDP tunnel endpoint (RFC 3519): IP in IP inside UDP, so that a NAT between the ends can translate it.
/// Received outer packets must come from the remote address and port to the local ones and carry the Next Header the
/// tunnel carries (<see cref="UdpTunnelOptions.Carries"/>).
/// When <see cref="UdpTunnelOptions.KeepaliveInterval"/> is set, the endpoint sends a keepalive whenever a whole
/// interval passed since it last sent anything, on its node's clock; keepalives that arrive are counted and go no further.
/// </summary>
public sealed partial class UdpTunnel : IpTunnelEndpoint
{
    private const int UdpOffset = TunnelMtu.Ipv4HeaderLength;
    private const int DataHeaderOffset = UdpOffset + UdpHeader.HeaderLength;
    private const int CarriedOffset = DataHeaderOffset + TunnelDataHeader.HeaderLength;
    private const int KeepaliveLength = TunnelMtu.Ipv4HeaderLength + Icmpv4Message.HeaderLength;
    private const byte KeepaliveTtl = 64;

    private readonly UdpTunnelOptions _options;
    private readonly ITimer _keepaliveTimer;
    private ushort _identification;
    private ushort _keepaliveSequence;
    private readonly TimeProvider _time;
    private long _lastSentTimestamp;
    private readonly byte[] _quoteScratch;

    public UdpTunnel(UdpTunnelOptions options, ITunnelHost host, TimeProvider? time = null)
        : base(options, time ?? TimeProvider.System, host, InnerOffsetOf(options))
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _quoteScratch = options.Carries == IpProtocol.MinimalEncapsulation ? new byte[Icmpv4Error.MaxDatagramLength] : [];
        _keepaliveTimer = _time.CreateTimer(static s => ((UdpTunnel)s!).OnKeepaliveTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (options.KeepaliveInterval is { } interval) SetKeepaliveInterval(interval);
    }

    private static int InnerOffsetOf(UdpTunnelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return CarriedOffset + options.CarriedHeaderLength;
    }

    /// <summary>The keepalive interval now; null when this end sends none.</summary>
    public TimeSpan? KeepaliveInterval { get; private set; }

    /// <summary>
    /// Starts (or restarts, or with null stops) the keepalives: the interval is the home agent's to give in its reply
    /// (RFC 3519 sec 3.2), known only after the tunnel was made.
    /// </summary>
    public void SetKeepaliveInterval(TimeSpan? interval)
    {
        if (interval is { } i && i <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "keepalive interval must be positive");
        if (interval == KeepaliveInterval) return; // a renewal that changes nothing leaves the countdown running
        KeepaliveInterval = interval;
        _lastSentTimestamp = _time.GetTimestamp();
        _keepaliveTimer.Change(interval ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public UdpTunnelOptions Options => _options;
    public override IpProtocol OuterProtocol => IpProtocol.Udp;

    /// <summary>
    /// The remote port, which tells apart the ends behind one NAT address, and the Next Header carried
    /// (<see cref="UdpTunnelOptions.InputKeyOf"/>).
    /// </summary>
    public override uint? InputKey => UdpTunnelOptions.InputKeyOf(_options.RemotePort, _options.Carries);

    /// <summary>Keepalives sent (RFC 3519 sec 4.9).</summary>
    public long KeepalivesSent { get; private set; }

    /// <summary>Keepalives received from the far end.</summary>
    public long KeepalivesReceived { get; private set; }

    public override void Send(ReadOnlySpan<byte> inner)
    {
        if (_options.Carries == IpProtocol.MinimalEncapsulation) SendMinimal(inner);
        else SendIpv4(inner);
    }

    private protected override void Encapsulate(int innerLength, OuterHeader.InnerFields fields)
    {
        int udpLength = UdpHeader.HeaderLength + TunnelDataHeader.HeaderLength + _options.CarriedHeaderLength + innerLength;
        var packet = OuterPacket.AsSpan(0, UdpOffset + udpLength);
        OuterHeader.Emit(_options, packet, IpProtocol.Udp, udpLength, _identification++, fields);
        new TunnelDataHeader(_options.Carries).Emit(packet[DataHeaderOffset..]);
        if (_options.Carries == IpProtocol.Gre) new GreHeader(EtherType.Ipv4).Emit(packet[CarriedOffset..]);
        new UdpHeader(_options.LocalPort, _options.RemotePort, udpLength - UdpHeader.HeaderLength)
            .Emit(packet[UdpOffset..], _options.Local, _options.Remote);
        _lastSentTimestamp = _time.GetTimestamp();
        Counters.Sent(packet.Length);
        Host.Transmit(packet);
    }

    /// <summary>
    /// RFC 3519 sec 4.9: an ICMP echo request to the far end, inside the tunnel, once a whole interval passed since the
    /// last packet went in; the timer is then due an interval after that last packet, so the NAT never sees a longer gap.
    /// </summary>
    private void OnKeepaliveTick()
    {
        if (KeepaliveInterval is not { } interval) return;
        var idle = _time.GetElapsedTime(_lastSentTimestamp);
        if (idle >= interval)
        {
            SendKeepalive();
            idle = TimeSpan.Zero;
        }
        _keepaliveTimer.Change(interval - idle, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sends one keepalive now. It is the tunnel's own packet, so the entry-source rule for inner packets (RFC 2003 sec 3.2) does not apply.</summary>
    public void SendKeepalive()
    {
        // Built in place behind the headers, except for minimal encapsulation, whose outer packet is made from the inner one.
        bool minimal = _options.Carries == IpProtocol.MinimalEncapsulation;
        Span<byte> own = stackalloc byte[KeepaliveLength];
        var inner = minimal ? own : InnerSlot[..KeepaliveLength];
        var echo = inner[TunnelMtu.Ipv4HeaderLength..];
        Icmpv4Message.EchoRequest((ushort)_options.LocalPort, ++_keepaliveSequence, 0).Emit(echo);
        new Ipv4Header(_options.Local, _options.Remote, IpProtocol.Icmp, Icmpv4Message.HeaderLength, KeepaliveTtl, _keepaliveSequence).Emit(inner);
        KeepalivesSent++;
        if (!minimal) Encapsulate(KeepaliveLength, new OuterHeader.InnerFields(KeepaliveTtl, 0, false, true));
        else if (Ipv4Packet.TryCreate(inner, ChecksumPolicy.None, out var keepalive, out _)) EncapsulateMinimal(keepalive);
    }

    public override void Receive(Ipv4Packet ip)
    {
        if (!TryAcceptOuter(ip)) return;
        if (!UdpDatagram.TryCreate(ip.Payload, ip.Source, ip.Destination, ChecksumPolicy.Verify, out var udp, out var error))
        {
            Counters.Drop(error == WireError.BadChecksum ? TunnelDropReason.BadChecksum : TunnelDropReason.Malformed);
            return;
        }
        if (udp.SourcePort != _options.RemotePort || udp.DestinationPort != _options.LocalPort)
        {
            Counters.Drop(TunnelDropReason.AddressMismatch);
            return;
        }
        if (!TunnelDataPacket.TryCreate(udp.Payload, out var data, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        // RFC 3519 sec 3.3: what follows is what the ends agreed on (sec 3.1.4); anything else is not this tunnel's to read.
        if (data.NextHeader != _options.Carries)
        {
            Counters.Drop(TunnelDropReason.UnknownProtocol);
            return;
        }
        var carried = data.Payload;
        if (_options.Carries == IpProtocol.MinimalEncapsulation)
        {
            ReceiveMinimal(ip, carried);
            return;
        }
        if (_options.Carries == IpProtocol.Gre)
        {
            // RFC 2784 sec 2: a GRE header carrying IPv4; a checksum, when there is one, must verify.
            if (!GrePacket.TryCreate(carried, ChecksumPolicy.Verify, out var gre, out var greError) || gre.ProtocolType != EtherType.Ipv4)
            {
                Counters.Drop(greError == WireError.BadChecksum ? TunnelDropReason.BadChecksum : TunnelDropReason.Malformed);
                return;
            }
            carried = gre.Payload;
        }
        if (!Ipv4Packet.TryCreate(carried, ChecksumPolicy.Verify, out var inner, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        DeliverInner(ip.Ecn, inner);
    }

    /// <summary>A decapsulated packet: a keepalive is counted and goes no further, anything else is checked and delivered.</summary>
    private void DeliverInner(byte outerEcn, Ipv4Packet inner)
    {
        if (IsKeepalive(inner))
        {
            KeepalivesReceived++;
            return;
        }
        if (TryAcceptInner(inner.Buffer)) DeliverIpv4WithEcn(outerEcn, inner.Buffer);
    }

    /// <summary>An echo request to this end's own outer address from the far end's: nothing to deliver, its work was done on the way.</summary>
    private bool IsKeepalive(Ipv4Packet inner) =>
        inner.Protocol == IpProtocol.Icmp && inner.Destination == _options.Local && !inner.IsFragment
        && inner.Payload.Length >= Icmpv4Message.HeaderLength && inner.Payload[0] == (byte)Icmpv4Type.EchoRequest;

    /// <summary>
    /// Its addresses and its ports too: one end behind a NAT may have several tunnels to one address, one per mapping.
    /// ICMP errors about its packets update its MTU and reachability soft state and are relayed as for any IP tunnel
    /// (RFC 3519 sec 4.2 puts the IP in IP packet behind the UDP header; RFC 2003 sec 4-5 apply to it as they are).
    /// </summary>
    private protected override bool SentHere(Ipv4Packet quotedOuter)
    {
        var udp = quotedOuter.Payload;
        return base.SentHere(quotedOuter) && udp.Length >= 4
            && BinaryPrimitives.ReadUInt16BigEndian(udp) == _options.LocalPort
            && BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) == _options.RemotePort;
    }

    /// <summary>Behind the UDP, tunnel data and (for GRE inside, the 4-octet one this end sends) GRE headers.</summary>
    private protected override ReadOnlySpan<byte> QuotedInner(Ipv4Packet quotedOuter)
    {
        if (_options.Carries == IpProtocol.MinimalEncapsulation) return RestoreQuotedMinimal(quotedOuter);
        int skip = UdpHeader.HeaderLength + TunnelDataHeader.HeaderLength + _options.CarriedHeaderLength;
        return quotedOuter.Payload.Length > skip ? quotedOuter.Payload[skip..] : [];
    }

    public override void Dispose()
    {
        _keepaliveTimer.Dispose();
        base.Dispose();
    }
}
