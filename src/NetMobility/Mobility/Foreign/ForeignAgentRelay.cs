using System.Buffers;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;

namespace NetMobility.Mobility.Foreign;

/// <summary>What a foreign agent did with one registration message.</summary>
public enum RelayAction
{
    /// <summary>Dropped without an answer: not a message the agent can act on, or a reply matching no pending request.</summary>
    Discarded,
    /// <summary>A visitor's request passed the agent's checks and went on to its home agent.</summary>
    Relayed,
    /// <summary>The agent denied a visitor's request itself and answered with one of its codes (64-88).</summary>
    Denied,
    /// <summary>A home agent's reply went on to the visitor, with the home agent's code.</summary>
    Forwarded,
}

/// <summary>The outcome of one message at a foreign agent; <see cref="Visitor"/> is the entry it concerned, if any.</summary>
public readonly record struct RelayOutcome(RelayAction Action, RegistrationReplyCode Code, Visitor? Visitor);

/// <summary>
/// Registration at a foreign agent (RFC 5944 sec 3.7, RFC 3024 sec 4.2): checks each visitor's request and
/// either denies it with the agent's own code or relays it to the home agent; matches the home agent's reply to
/// the pending request and passes it on; keeps the visitor list, and times out requests left unanswered (78).
/// Sends through an <see cref="IRegistrationSender"/>; reads time from a <see cref="TimeProvider"/>.
/// </summary>
public sealed class ForeignAgentRelay
{
    private const int MaxMessage = 1500;

    private ForeignAgentOptions _options;
    private readonly IRegistrationSender _sender;
    private readonly TimeProvider _time;

    public ForeignAgentRelay(ForeignAgentOptions options, SecurityAssociationTable mobileNodes, SecurityAssociationTable homeAgents, IRegistrationSender sender, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        MobileNodes = mobileNodes;
        HomeAgents = homeAgents;
        _sender = sender;
        _time = time;
        Visitors = new VisitorList(options.VisitorCapacity);
    }

    public ForeignAgentOptions Options => _options;

    /// <summary>
    /// Holds B on or lets it go while running (<see cref="ForeignAgentOptions.Busy"/>): on, a new visitor is denied with 66
    /// while those the agent has are served and may renew; off, new visitors are taken again up to the capacity.
    /// </summary>
    public void ChangeBusy(bool busy) => _options = _options with { Busy = busy };

    /// <summary>Mobile-foreign security associations by home address (RFC 5944 sec 3.5.3).</summary>
    public SecurityAssociationTable MobileNodes { get; }

    /// <summary>Foreign-home security associations by home agent address (RFC 5944 sec 3.5.4).</summary>
    public SecurityAssociationTable HomeAgents { get; }

    public VisitorList Visitors { get; }

    /// <summary>
    /// A request from a visitor on the agent's link. <paramref name="from"/> carries the IP TTL and the visitor's
    /// link-layer source address, which the agent keeps to deliver to it.
    /// </summary>
    public RelayOutcome OnRequest(ReadOnlySpan<byte> message, in RegistrationAddressing from)
    {
        if (from.LinkSource is not MacAddress linkSource) return new(RelayAction.Discarded, default, null);
        if (!RegistrationRequestPacket.TryCreate(message, out var view, out var error))
        {
            // RFC 5944 sec 1.9 and 3.7.2.1: an unknown extension below 128 is dropped silently; a request that is
            // otherwise malformed but whose fixed part is whole gets 70.
            if (error == WireError.Unsupported || message.Length < RegistrationRequest.FixedLength) return new(RelayAction.Discarded, default, null);
            if (!RegistrationRequest.TryParse(message[..RegistrationRequest.FixedLength], out var fixedPart, out _, out _)) return new(RelayAction.Discarded, default, null);
            return Deny(fixedPart, RegistrationReplyCode.ForeignAgentPoorlyFormedRequest, from, linkSource);
        }

        var request = view.Request;
        bool deliveryStyle = view.Extensions.TryFind(MobileIpExtensionType.EncapsulatingDeliveryStyle, out _);
        if (Refusal(message, view, from, deliveryStyle) is RegistrationReplyCode refused) return Deny(request, refused, from, linkSource);

        // An agent advertising itself busy takes no new visitors (RFC 5944 sec 2.1.1, the B bit); those it has may renew.
        var visitor = _options.Busy && !Visitors.TryGet(request.HomeAddress, out _) ? null : Visitors.GetOrAdd(request.HomeAddress);
        if (visitor is null)
        {
            // RFC 5944 sec 3.7.2.1: no room for another visitor.
            return Deny(request, RegistrationReplyCode.ForeignAgentInsufficientResources, from, linkSource);
        }

        var now = _time.GetUtcNow();
        visitor.Pending = new PendingRegistration(request.Identification, request.Lifetime, request.Flags, request.HomeAgent,
            from.Destination, from.SourcePort, linkSource, deliveryStyle, (now + _options.PendingTimeout).UtcTicks, UdpCarriesAsked(message, view));
        Relay(message, view, request.HomeAgent);
        return new(RelayAction.Relayed, default, visitor);
    }

    /// <summary>
    /// RFC 3519 sec 3.1.4: what a UDP tunnel will carry if the home agent answers in UDP: the Encapsulation of the node's
    /// own UDP Tunnel Request when it sent one (0 there: its M and G bits), else of the one this agent adds; 0 when the
    /// relayed request asks for no UDP tunnelling.
    /// </summary>
    private IpProtocol UdpCarriesAsked(ReadOnlySpan<byte> message, RegistrationRequestPacket view)
    {
        var flags = view.Request.Flags;
        if (view.Extensions.TryFind(MobileIpExtensionType.UdpTunnelRequest, out var own))
            return UdpTunnelRequestExtension.TryParse(own.Data(message), out var asked, out _) && asked.Encapsulation != 0
                ? asked.Encapsulation : MobileIpEncapsulation.Requested(flags).OuterProtocol;
        return _options.UdpTunnel == UdpTunnelMode.Off ? 0 : MobileIpEncapsulation.UdpCarriesFor(flags);
    }

    /// <summary>The RFC 5944 sec 3.7.2.1 and RFC 3024 sec 4.2.1 checks, in order; null when the request may be relayed.</summary>
    private RegistrationReplyCode? Refusal(ReadOnlySpan<byte> message, RegistrationRequestPacket view, in RegistrationAddressing from, bool deliveryStyle)
    {
        var request = view.Request;
        var flags = request.Flags;
        if (request.HomeAgent.IsUnspecified || request.HomeAddress.IsUnspecified) return RegistrationReplyCode.ForeignAgentPoorlyFormedRequest;
        const RegistrationFlags both = RegistrationFlags.MinimalEncapsulation | RegistrationFlags.Gre;
        if ((flags & both) == both) return RegistrationReplyCode.ForeignAgentPoorlyFormedRequest;
        bool reverse = (flags & RegistrationFlags.ReverseTunnel) != 0;
        // RFC 3024 sec 3.3: the delivery style extension means nothing without the T bit.
        if (deliveryStyle && !reverse) return RegistrationReplyCode.ForeignAgentPoorlyFormedRequest;

        if (MobileNodes.TryGetAny(request.HomeAddress, out _) || _options.RequireMobileForeignAuthentication)
        {
            // RFC 5944 sec 3.7.2.1: with a mobile-foreign association (or when the agent insists) the request must
            // carry a Mobile-Foreign Authentication Extension that verifies.
            if (!view.Extensions.TryFind(MobileIpExtensionType.MobileForeignAuthentication, out var auth)
                || !AuthenticationExtension.TryParse(auth.Data(message), out var spi, out _, out _)
                || !MobileNodes.TryGet(request.HomeAddress, spi.Spi, out var association)
                || !association.Verify(message, auth))
                return RegistrationReplyCode.ForeignAgentMobileNodeFailedAuthentication;
        }
        if (_options.AllowedHomeAgents is { } allowed && !allowed.Contains(request.HomeAgent)) return RegistrationReplyCode.ForeignAgentAdministrativelyProhibited;
        if (request.Lifetime > _options.MaxLifetime) return RegistrationReplyCode.ForeignAgentRequestedLifetimeTooLong;
        // A deregistration through the agent names the home address as care-of address (RFC 5944 sec 3.6.1.2).
        bool deregistration = request.Lifetime == 0 && request.CareOfAddress == request.HomeAddress;
        if (request.CareOfAddress != _options.CareOfAddress && !deregistration) return RegistrationReplyCode.ForeignAgentInvalidCareOfAddress;
        if (!_options.Encapsulations.Contains(MobileIpEncapsulation.Requested(flags))) return RegistrationReplyCode.ForeignAgentRequestedEncapsulationUnavailable;
        if (reverse && _options.ReverseTunnel == ReverseTunnelPolicy.Unavailable) return RegistrationReplyCode.ForeignAgentReverseTunnelUnavailable;
        if (!reverse && _options.ReverseTunnel == ReverseTunnelPolicy.Mandatory) return RegistrationReplyCode.ForeignAgentReverseTunnelMandatory;
        // RFC 3024 sec 4.2.1: a reverse tunnel is only set up for a node one hop away, which sends with TTL 255.
        if (reverse && from.TimeToLive != RegistrationAddressing.OneHopTimeToLive) return RegistrationReplyCode.ForeignAgentMobileNodeTooDistant;
        if (deliveryStyle && !_options.EncapsulatingDelivery) return RegistrationReplyCode.ForeignAgentDeliveryStyleNotSupported;
        return null;
    }

    /// <summary>
    /// RFC 5944 sec 3.7.2.2: the request goes on unchanged up to and including the Mobile-Home Authentication
    /// Extension; what the node added after it for this agent (Mobile-Foreign authentication, the delivery style
    /// extension of RFC 3024 sec 3.3) is consumed, and the agent's own Foreign-Home authenticator is appended.
    /// </summary>
    private void Relay(ReadOnlySpan<byte> message, RegistrationRequestPacket view, Ipv4Address homeAgent)
    {
        int keep = view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var mobileHome) ? mobileHome.End : message.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(keep + UdpTunnelRequestExtension.Length + MobilitySecurityAssociation.ExtensionLength);
        try
        {
            message[..keep].CopyTo(buffer);
            // RFC 3519 sec 3.1: the care-of address is this agent's, so the agent asks for the UDP tunnel, after the
            // node's authenticator and before its own, which covers it; carrying what the node asked for (GRE with its G
            // bit, else IP in IP; sec 3.1.4).
            if (_options.UdpTunnel != UdpTunnelMode.Off && !view.Extensions.TryFind(MobileIpExtensionType.UdpTunnelRequest, out _))
                keep += new UdpTunnelRequestExtension(MobileIpEncapsulation.UdpCarriesFor(view.Request.Flags), Force: _options.UdpTunnel == UdpTunnelMode.Force)
                    .Emit(buffer.AsSpan(keep));
            int length = HomeAgents.TryGetAny(homeAgent, out var foreignHome)
                ? foreignHome.Authenticate(buffer, keep, MobileIpExtensionType.ForeignHomeAuthentication)
                : keep;
            var to = new RegistrationAddressing(_options.CareOfAddress, _options.RelayPort, homeAgent, RegistrationAddressing.Port);
            _sender.SendRegistration(to, buffer.AsSpan(0, length));
            Relayed++;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A reply from a home agent (RFC 5944 sec 3.7.3). It must match a pending request by home address and the
    /// low-order 32 bits of the Identification; a home agent this agent shares an association with must have
    /// authenticated it (else the visitor gets 68). Accepted, it installs the visitor; either way the visitor gets it.
    /// </summary>
    public RelayOutcome OnReply(ReadOnlySpan<byte> message, in RegistrationAddressing from)
    {
        bool wellFormed = RegistrationReplyPacket.TryCreate(message, out var view, out _);
        RegistrationReply reply;
        if (wellFormed) reply = view.Reply;
        else if (message.Length < RegistrationReply.FixedLength
                 || !RegistrationReply.TryParse(message[..RegistrationReply.FixedLength], out reply, out _, out _))
            return new(RelayAction.Discarded, default, null);

        if (!Visitors.TryGet(reply.HomeAddress, out var visitor) || visitor.Pending is not PendingRegistration pending
            || (uint)pending.Identification != (uint)reply.Identification)
        {
            UnmatchedReplies++;
            return new(RelayAction.Discarded, default, null);
        }

        if (!wellFormed) return Fail(visitor, pending, RegistrationReplyCode.ForeignAgentPoorlyFormedReply);
        if (HomeAgents.TryGetAny(pending.HomeAgent, out _))
        {
            if (!view.Extensions.TryFind(MobileIpExtensionType.ForeignHomeAuthentication, out var auth)
                || !AuthenticationExtension.TryParse(auth.Data(message), out var spi, out _, out _)
                || !HomeAgents.TryGet(pending.HomeAgent, spi.Spi, out var association)
                || !association.Verify(message, auth))
                return Fail(visitor, pending, RegistrationReplyCode.ForeignAgentHomeAgentFailedAuthentication);
        }

        var now = _time.GetUtcNow();
        if (reply.Code.IsAccepted())
        {
            // RFC 5944 sec 3.7.3.2: the visitor entry takes the lifetime the home agent granted.
            ushort lifetime = Math.Min(reply.Lifetime, pending.Lifetime);
            if (lifetime == 0) Visitors.Remove(visitor.HomeAddress);
            else
            {
                visitor.Accept(pending, lifetime, now);
                visitor.UdpKeepaliveInterval = UdpKeepaliveOf(message, view);
            }
        }
        else
        {
            visitor.Pending = null;
            if (!visitor.IsAccepted) Visitors.Remove(visitor.HomeAddress);
        }
        ForwardToVisitor(message, view, visitor.HomeAddress, pending);
        return new(RelayAction.Forwarded, reply.Code, visitor);
    }

    /// <summary>RFC 3519 sec 3.2: the keepalive interval of a UDP Tunnel Reply that accepts UDP tunnelling; 0 when there is none (tunnelling as usual).</summary>
    private ushort UdpKeepaliveOf(ReadOnlySpan<byte> message, RegistrationReplyPacket view)
    {
        if (_options.UdpTunnel == UdpTunnelMode.Off
            || !view.Extensions.TryFind(MobileIpExtensionType.UdpTunnelReply, out var extension)
            || !UdpTunnelReplyExtension.TryParse(extension.Data(message), out var reply, out _)
            || reply.Code != UdpTunnelReplyExtension.WillTunnel) return 0;
        // A reply that accepts UDP tunnelling with no interval still needs the mapping kept: RFC 3519 sec 4.9's default.
        return reply.KeepaliveInterval != 0 ? reply.KeepaliveInterval : DefaultUdpKeepalive;
    }

    /// <summary>RFC 3519 sec 4.9's default keepalive interval, seconds.</summary>
    public const ushort DefaultUdpKeepalive = 110;

    /// <summary>RFC 5944 sec 3.7.3.2: the reply goes on without what the home agent added for this agent, with the agent's Mobile-Foreign authenticator when it shares an association with the node.</summary>
    private void ForwardToVisitor(ReadOnlySpan<byte> message, RegistrationReplyPacket view, Ipv4Address homeAddress, in PendingRegistration pending)
    {
        int keep = view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var mobileHome) ? mobileHome.End : RegistrationReply.FixedLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(keep + MobilitySecurityAssociation.ExtensionLength);
        try
        {
            message[..keep].CopyTo(buffer);
            SendToVisitor(buffer, keep, homeAddress, pending);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The code a visitor gets when its relayed request drew an ICMP error instead of a reply (RFC 5944 sec 3.4 and
    /// 3.7.1): network unreachable 80, host unreachable 81, port unreachable 82, any other failure to deliver 88. Null for
    /// a message that says nothing about delivery (source quench, redirect).
    /// </summary>
    public static RegistrationReplyCode? CodeForError(Icmpv4Type type, byte code) => type switch
    {
        Icmpv4Type.DestinationUnreachable => (Icmpv4UnreachableCode)code switch
        {
            Icmpv4UnreachableCode.Network or Icmpv4UnreachableCode.NetworkUnknown or Icmpv4UnreachableCode.NetworkUnreachableForTos
                => RegistrationReplyCode.ForeignAgentHomeNetworkUnreachable,
            Icmpv4UnreachableCode.Host or Icmpv4UnreachableCode.HostUnknown or Icmpv4UnreachableCode.HostUnreachableForTos
                => RegistrationReplyCode.ForeignAgentHomeAgentHostUnreachable,
            Icmpv4UnreachableCode.Port => RegistrationReplyCode.ForeignAgentHomeAgentPortUnreachable,
            _ => RegistrationReplyCode.ForeignAgentHomeAgentUnreachable,
        },
        Icmpv4Type.TimeExceeded or Icmpv4Type.ParameterProblem => RegistrationReplyCode.ForeignAgentHomeAgentUnreachable,
        _ => null,
    };

    /// <summary>
    /// An ICMP error about a request this agent relayed to <paramref name="homeAgent"/>, whose quote of the request is
    /// <paramref name="quotedRequest"/> (what follows the UDP header; RFC 792 asks routers for none of it, RFC 1812
    /// for as much as fits). The pending request it names (by home address and Identification when quoted, else every
    /// one pending with that home agent) is given up and its visitor answered with <see cref="CodeForError"/>'s code
    /// (RFC 5944 sec 3.7.1). Outcomes go to <paramref name="outcomes"/>.
    /// </summary>
    public void OnRelayError(Icmpv4Type type, byte code, Ipv4Address homeAgent, ReadOnlySpan<byte> quotedRequest, List<RelayOutcome> outcomes)
    {
        if (CodeForError(type, code) is not RegistrationReplyCode denial) return;
        bool named = RegistrationRequest.TryParse(quotedRequest, out var request, out _, out _);
        List<Visitor>? failed = null;
        foreach (var visitor in Visitors.All)
        {
            if (visitor.Pending is not PendingRegistration pending || pending.HomeAgent != homeAgent) continue;
            if (named && (visitor.HomeAddress != request.HomeAddress || pending.Identification != request.Identification)) continue;
            (failed ??= []).Add(visitor);
        }
        if (failed is null) return;
        foreach (var visitor in failed)
        {
            RelayErrors++;
            outcomes.Add(Fail(visitor, visitor.Pending!.Value, denial));
        }
    }

    /// <summary>Relayed requests given up because an ICMP error came back instead of a reply (codes 80-82, 88).</summary>
    public long RelayErrors { get; private set; }

    /// <summary>The home agent's answer could not be passed on: the visitor gets the agent's own code instead.</summary>
    private RelayOutcome Fail(Visitor visitor, in PendingRegistration pending, RegistrationReplyCode code)
    {
        visitor.Pending = null;
        if (!visitor.IsAccepted) Visitors.Remove(visitor.HomeAddress);
        SendDenial(code, 0, visitor.HomeAddress, pending.HomeAgent, pending.Identification, pending);
        return new(RelayAction.Denied, code, visitor);
    }

    private RelayOutcome Deny(in RegistrationRequest request, RegistrationReplyCode code, in RegistrationAddressing from, MacAddress linkSource)
    {
        // RFC 5944 sec 3.7.2.3: code 69 carries the longest lifetime the agent accepts.
        ushort lifetime = code == RegistrationReplyCode.ForeignAgentRequestedLifetimeTooLong ? _options.MaxLifetime : (ushort)0;
        var pending = new PendingRegistration(request.Identification, request.Lifetime, request.Flags, request.HomeAgent,
            from.Destination, from.SourcePort, linkSource, false, 0);
        SendDenial(code, lifetime, request.HomeAddress, request.HomeAgent, request.Identification, pending);
        Denials++;
        return new(RelayAction.Denied, code, null);
    }

    private void SendDenial(RegistrationReplyCode code, ushort lifetime, Ipv4Address homeAddress, Ipv4Address homeAgent, ulong identification, in PendingRegistration pending)
    {
        Span<byte> buffer = stackalloc byte[RegistrationReply.FixedLength + MobilitySecurityAssociation.ExtensionLength];
        int length = new RegistrationReply(code, lifetime, homeAddress, homeAgent, identification).Emit(buffer);
        SendToVisitor(buffer, length, homeAddress, pending);
    }

    /// <summary>
    /// RFC 5944 sec 3.7.2.3 and 3.7.3.2: to the node's home address and source port, from the address it sent its
    /// request to, framed to its link-layer address (the home address is not on this link).
    /// </summary>
    private void SendToVisitor(Span<byte> buffer, int length, Ipv4Address homeAddress, in PendingRegistration pending)
    {
        if (MobileNodes.TryGetAny(homeAddress, out var association))
            length = association.Authenticate(buffer, length, MobileIpExtensionType.MobileForeignAuthentication);
        var to = new RegistrationAddressing(pending.RequestDestination, RegistrationAddressing.Port, homeAddress, pending.SourcePort,
            RegistrationAddressing.OneHopTimeToLive, LinkDestination: pending.LinkAddress);
        _sender.SendRegistration(to, buffer[..length]);
    }

    /// <summary>Requests relayed to home agents.</summary>
    public long Relayed { get; private set; }

    /// <summary>Requests the agent denied itself.</summary>
    public long Denials { get; private set; }

    /// <summary>Replies that matched no pending request and were dropped.</summary>
    public long UnmatchedReplies { get; private set; }

    /// <summary>Pending requests given up with 78.</summary>
    public long Timeouts { get; private set; }

    /// <summary>The next instant <see cref="ExpireDue"/> has something to do: a pending request or a registration running out.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            long next = long.MaxValue;
            foreach (var visitor in Visitors.All)
            {
                if (visitor.Pending is PendingRegistration p) next = Math.Min(next, p.DeadlineTicks);
                if (visitor.IsAccepted) next = Math.Min(next, visitor.ExpiresTicks);
            }
            return next == long.MaxValue ? null : new DateTimeOffset(next, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Gives up pending requests past their deadline, answering each visitor with 78 (RFC 5944 sec 3.7.1), and
    /// ends registrations whose lifetime ran out. Visitors whose service ended are added to <paramref name="ended"/>.
    /// </summary>
    public void ExpireDue(DateTimeOffset now, List<Visitor> ended)
    {
        List<Visitor>? gone = null;
        foreach (var visitor in Visitors.All)
        {
            if (visitor.Pending is PendingRegistration p && now.UtcTicks >= p.DeadlineTicks)
            {
                visitor.Pending = null;
                Timeouts++;
                SendDenial(RegistrationReplyCode.ForeignAgentRegistrationTimeout, 0, visitor.HomeAddress, p.HomeAgent, p.Identification, p);
            }
            if (visitor.IsAccepted && now.UtcTicks >= visitor.ExpiresTicks)
            {
                visitor.IsAccepted = false;
                ended.Add(visitor);
            }
            if (!visitor.IsAccepted && visitor.Pending is null) (gone ??= []).Add(visitor);
        }
        if (gone is null) return;
        foreach (var visitor in gone) Visitors.Remove(visitor.HomeAddress);
    }
}
