using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A minimal encapsulation endpoint (RFC 2004): the original IPv4 header is rewritten to travel from the
/// local to the remote address, with protocol 55, and the forwarding header between it and the payload keeps
/// the original protocol, destination and (when it differs from the local address) source.
/// </summary>
/// <remarks>
/// RFC 2004 sec 3 forbids encapsulating a fragment, and the packets this endpoint sends must not be fragmented
/// on the way either (a fragment cannot be decapsulated), so a packet over the tunnel MTU is never fragmented:
/// with DF it is reported to the host for ICMP fragmentation-needed, without DF it is dropped as too big.
/// </remarks>
public sealed class MinimalEncapsulationTunnel : ITunnelEndpoint
{
    private readonly MinimalEncapsulationOptions _options;
    private readonly ITunnelHost _host;
    private readonly byte[] _packet;
    private readonly TunnelPathMtu _pathMtu;
    private readonly TunnelReachability _reachability;

    /// <param name="time">The clock the tunnel MTU soft state ages by; the system clock when null.</param>
    public MinimalEncapsulationTunnel(MinimalEncapsulationOptions options, ITunnelHost host, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _host = host;
        _packet = new byte[options.UnderlayMtu];
        _pathMtu = new TunnelPathMtu(options, time ?? TimeProvider.System);
        _reachability = new TunnelReachability(time ?? TimeProvider.System);
    }

    public MinimalEncapsulationOptions Options => _options;
    public IpProtocol OuterProtocol => IpProtocol.MinimalEncapsulation;
    public Ipv4Address Local => _options.Local;
    public Ipv4Address Remote => _options.Remote;
    public uint? InputKey => null;
    public int Mtu => _pathMtu.Current;
    public TunnelCounters Counters { get; } = new();

    public void Send(ReadOnlySpan<byte> inner)
    {
        if (!Ipv4Packet.TryCreate(inner, ChecksumPolicy.None, out var packet, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        if (packet.IsFragment)
        {
            Counters.Drop(TunnelDropReason.Unencapsulable);
            return;
        }
        // RFC 2003 sec 3.1 and 3.2; the encapsulator as the original source is provided for (RFC 2004 sec 3, S clear).
        if (TunnelRules.BeforeEncapsulating(packet, Local, Remote, entrySourceAllowed: true) is TunnelDropReason refused)
        {
            Counters.Drop(refused);
            return;
        }
        // RFC 2003 sec 5 (RFC 2004 sec 3 keeps its ICMP rules): the far end was reported unreachable; the sender hears
        // so, and the packet goes all the same.
        if (_reachability.TryTake(out var unreachable))
        {
            Counters.UnreachableReported();
            _host.ReportUnreachable(packet.Buffer, unreachable);
        }
        EncapsulateFitting(packet);
    }

    private void EncapsulateFitting(Ipv4Packet packet)
    {
        int mtu = Mtu;
        if (packet.Buffer.Length > mtu)
        {
            Counters.Drop(TunnelDropReason.TooBig);
            if (!packet.DontFragment) return;
            Counters.TooBigReported();
            _host.ReportTooBig(packet.Buffer, mtu);
            return;
        }
        packet.Buffer.CopyTo(_packet);
        if (!MinimalEncapsulation.TryEncapsulate(_packet, packet.Buffer.Length, _options.Local, _options.Remote, out int length, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        Counters.Sent(length);
        _host.Transmit(_packet.AsSpan(0, length));
    }

    public void Receive(ReadOnlySpan<byte> outer)
    {
        if (!Ipv4Packet.TryCreate(outer, ChecksumPolicy.Verify, out var ip, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        Receive(ip);
    }

    public void Receive(Ipv4Packet ip)
    {
        if (ip.Protocol != IpProtocol.MinimalEncapsulation)
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        // RFC 2004 sec 3: the encapsulator puts its own address in the source field, whoever sent the original.
        if (ip.Source != _options.Remote || ip.Destination != _options.Local)
        {
            Counters.Drop(TunnelDropReason.AddressMismatch);
            return;
        }
        if (ip.IsFragment)
        {
            Counters.Drop(TunnelDropReason.OuterFragment);
            return;
        }
        // Decapsulation rewrites the header in place, so it works on a copy: the endpoint's own buffer, or
        // a pooled one for a packet that arrived over a link with a larger MTU than the one sent over.
        if (ip.Buffer.Length <= _packet.Length)
        {
            Decapsulate(ip.Buffer, _packet);
            return;
        }
        var rented = TunnelBufferPool.Shared.Rent(ip.Buffer.Length);
        try
        {
            Decapsulate(ip.Buffer, rented);
        }
        finally
        {
            TunnelBufferPool.Shared.Return(rented);
        }
    }

    private void Decapsulate(ReadOnlySpan<byte> datagram, Span<byte> buffer)
    {
        datagram.CopyTo(buffer);
        if (!MinimalEncapsulation.TryDecapsulate(buffer, datagram.Length, ChecksumPolicy.Verify, out int length, out var error))
        {
            Counters.Drop(error == WireError.BadChecksum ? TunnelDropReason.BadChecksum : TunnelDropReason.Malformed);
            return;
        }
        var inner = buffer[..length];
        if (TunnelRules.AfterDecapsulating(inner, _options.Remote) is TunnelDropReason refused)
        {
            Counters.Drop(refused);
            return;
        }
        _reachability.Reached();
        Counters.Received(length);
        _host.Deliver(EtherType.Ipv4, inner);
    }

    public void ReceiveError(Icmpv4Packet error, Ipv4Packet quotedOuter)
    {
        if (!TunnelIcmpRelay.IsFrom(this, quotedOuter)) return;
        // The quote holds the rewritten header and the forwarding header: the original comes back as on decapsulation.
        Span<byte> inner = stackalloc byte[Icmpv4Error.MaxDatagramLength];
        int length = MinimalEncapsulation.TryRestoreQuoted(quotedOuter.Buffer, inner, out int restored, out _) ? restored : 0;
        TunnelIcmpRelay.Handle(error, inner[..length], _pathMtu, _reachability, Counters, _host);
    }

    public void Dispose() { }
}
