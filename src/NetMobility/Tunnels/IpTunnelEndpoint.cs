using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// What the endpoints that put a new outer IPv4 header in front of the inner packet (GRE, IP-in-IP) share:
/// one buffer to build outer packets in, the tunnel-MTU rules for inner IPv4 packets, and the checks every
/// received outer packet passes before its protocol's own.
/// </summary>
public abstract class IpTunnelEndpoint : ITunnelEndpoint
{
    private readonly IpTunnelOptions _options;
    private readonly int _innerOffset;

    private readonly TunnelPathMtu _pathMtu;
    private readonly TunnelReachability _reachability;

    private protected IpTunnelEndpoint(IpTunnelOptions options, TimeProvider time, ITunnelHost host, int innerOffset)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _innerOffset = innerOffset;
        Host = host;
        OuterPacket = new byte[options.UnderlayMtu];
        _pathMtu = new TunnelPathMtu(options, time);
        _reachability = new TunnelReachability(time);
    }

    public abstract IpProtocol OuterProtocol { get; }
    public Ipv4Address Local => _options.Local;
    public Ipv4Address Remote => _options.Remote;
    public virtual uint? InputKey => null;
    public int Mtu => _pathMtu.Current;
    public TunnelCounters Counters { get; } = new();

    private protected ITunnelHost Host { get; }

    /// <summary>The buffer every outer packet is built in; the inner packet goes at the inner offset.</summary>
    private protected byte[] OuterPacket { get; }

    private protected Span<byte> InnerSlot => OuterPacket.AsSpan(_innerOffset);

    public abstract void Send(ReadOnlySpan<byte> inner);

    public void Receive(ReadOnlySpan<byte> outer)
    {
        if (!Ipv4Packet.TryCreate(outer, ChecksumPolicy.Verify, out var packet, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        Receive(packet);
    }

    public abstract void Receive(Ipv4Packet outer);

    /// <summary>Wraps the <paramref name="innerLength"/> bytes already in <see cref="InnerSlot"/> and hands the outer packet to the host.</summary>
    private protected abstract void Encapsulate(int innerLength, OuterHeader.InnerFields fields);

    /// <summary>
    /// Sends one inner IPv4 packet: at once when it fits the tunnel MTU; refused and reported when it does not
    /// and has DF set (RFC 1191); else fragmented first or refused, per <see cref="IpTunnelOptions.Oversize"/>.
    /// </summary>
    private protected void SendIpv4(ReadOnlySpan<byte> inner)
    {
        if (!Ipv4Packet.TryCreate(inner, ChecksumPolicy.None, out var packet, out _))
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return;
        }
        if (PassesEntry(packet)) EncapsulateFitting(packet);
    }

    /// <summary>
    /// The rules an inner IPv4 packet passes before it goes in (RFC 2003 sec 3.1 and 3.2); counts the drop when it
    /// fails. RFC 2003 sec 5: when a router inside the tunnel said the far end cannot be reached, the sender hears so
    /// "but also" the packet goes in.
    /// </summary>
    private protected bool PassesEntry(Ipv4Packet packet)
    {
        if (TunnelRules.BeforeEncapsulating(packet, Local, Remote, entrySourceAllowed: false) is TunnelDropReason refused)
        {
            Counters.Drop(refused);
            return false;
        }
        if (_reachability.TryTake(out var unreachable))
        {
            Counters.UnreachableReported();
            Host.ReportUnreachable(packet.Buffer, unreachable);
        }
        return true;
    }

    private void EncapsulateFitting(Ipv4Packet packet)
    {
        var fields = OuterHeader.InnerFields.Of(packet);
        int mtu = Mtu;
        if (packet.Buffer.Length <= mtu)
        {
            packet.Buffer.CopyTo(InnerSlot);
            Encapsulate(packet.Buffer.Length, fields);
            return;
        }
        if (packet.DontFragment)
        {
            RefuseTooBig(packet.Buffer, mtu);
            return;
        }
        if (_options.Oversize == OversizePolicy.Refuse || !Ipv4Fragmenter.TryCreate(packet, mtu, out var fragmenter))
        {
            Counters.Drop(TunnelDropReason.TooBig);
            return;
        }
        // RFC 4459 sec 3.1: fragmenting the inner packet leaves reassembly to the final destination,
        // where it belongs, instead of the far tunnel endpoint.
        Counters.Fragmented(fragmenter.Count);
        while (fragmenter.TryNext(InnerSlot, out int length))
            Encapsulate(length, fields);
    }

    private protected void RefuseTooBig(ReadOnlySpan<byte> ipPacket, int mtu)
    {
        Counters.Drop(TunnelDropReason.TooBig);
        Counters.TooBigReported();
        Host.ReportTooBig(ipPacket, mtu);
    }

    public void ReceiveError(Icmpv4Packet error, Ipv4Packet quotedOuter)
    {
        if (!SentHere(quotedOuter)) return;
        TunnelIcmpRelay.Handle(error, QuotedInner(quotedOuter), _pathMtu, _reachability, Counters, Host);
    }

    /// <summary>True when a quoted outer packet is one this endpoint sent: its protocol, from its local to its remote address.</summary>
    private protected virtual bool SentHere(Ipv4Packet quotedOuter) => TunnelIcmpRelay.IsFrom(this, quotedOuter);

    /// <summary>The inner IPv4 packet, as far as it is quoted, behind a quoted outer header of this kind; empty when there is none.</summary>
    private protected abstract ReadOnlySpan<byte> QuotedInner(Ipv4Packet quotedOuter);

    /// <summary>
    /// The checks before decapsulation: a well-formed outer IPv4 packet (header checksum verified) of this
    /// tunnel's protocol, from its remote to its local address, not a fragment. Counts the drop when it fails.
    /// </summary>
    private protected bool TryAcceptOuter(Ipv4Packet packet)
    {
        if (packet.Protocol != OuterProtocol)
        {
            Counters.Drop(TunnelDropReason.Malformed);
            return false;
        }
        if (packet.Source != _options.Remote || packet.Destination != _options.Local)
        {
            Counters.Drop(TunnelDropReason.AddressMismatch);
            return false;
        }
        if (packet.IsFragment)
        {
            Counters.Drop(TunnelDropReason.OuterFragment);
            return false;
        }
        return true;
    }

    /// <summary>The checks on a decapsulated IPv4 packet (RFC 2003 sec 3.1, RFC 2784 sec 3.1); counts the drop when it fails.</summary>
    private protected bool TryAcceptInner(ReadOnlySpan<byte> inner)
    {
        if (TunnelRules.AfterDecapsulating(inner, Remote) is not TunnelDropReason refused) return true;
        Counters.Drop(refused);
        return false;
    }

    /// <summary>
    /// Hands a decapsulated IPv4 packet on (to the receive window when there is one, through <paramref name="deliver"/>)
    /// with its ECN field combined with the outer one's (RFC 6040 sec 4.2): unchanged, as almost always, it goes as it
    /// is; changed, a copy with the new field and header checksum goes; refused, it is dropped and counted.
    /// </summary>
    private protected void DeliverWithEcn(byte outerEcn, ReadOnlySpan<byte> inner, InnerDelivery deliver)
    {
        byte innerEcn = (byte)(inner[1] & 3);
        if (!TunnelRules.TryCombineEcn(outerEcn, innerEcn, out byte ecn))
        {
            Counters.Drop(TunnelDropReason.CongestionNotEct);
            return;
        }
        if (ecn == innerEcn)
        {
            deliver(this, inner);
            return;
        }
        var copy = TunnelBufferPool.Shared.Rent(inner.Length);
        try
        {
            var marked = copy.AsSpan(0, inner.Length);
            inner.CopyTo(marked);
            marked[1] = (byte)((marked[1] & ~3) | ecn);
            Ipv4InPlace.RewriteChecksum(marked);
            deliver(this, marked);
        }
        finally
        {
            TunnelBufferPool.Shared.Return(copy);
        }
    }

    private protected delegate void InnerDelivery(IpTunnelEndpoint endpoint, ReadOnlySpan<byte> inner);

    private static readonly InnerDelivery DeliverIpv4 = static (endpoint, inner) => endpoint.Deliver(EtherType.Ipv4, inner);

    /// <summary>Delivers a decapsulated IPv4 packet with RFC 6040's ECN rules applied.</summary>
    private protected void DeliverIpv4WithEcn(byte outerEcn, ReadOnlySpan<byte> inner) => DeliverWithEcn(outerEcn, inner, DeliverIpv4);

    private protected void Deliver(EtherType protocol, ReadOnlySpan<byte> inner)
    {
        _reachability.Reached();
        Counters.Received(inner.Length);
        Host.Deliver(protocol, inner);
    }

    public virtual void Dispose() { }
}
