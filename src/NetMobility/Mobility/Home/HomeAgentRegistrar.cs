using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Registration;

namespace NetMobility.Mobility.Home;

/// <summary>What a home agent made of one registration request, and the reply it wrote.</summary>
public readonly record struct HomeAgentDecision(
    RegistrationReplyCode Code,
    BindingChange Change,
    MobilityBinding Binding,
    RegistrationAddressing ReplyTo,
    int ReplyLength);

/// <summary>
/// Registration processing at a home agent (RFC 5944 sec 3.8, RFC 3024 sec 4.3): the validity checks in order,
/// each with its denial code, the binding table update, and the reply. Knows nothing of links or timers:
/// a request's bytes and addressing go in, a decision and the reply's bytes come out. Nothing is allocated
/// per request.
/// </summary>
public sealed class HomeAgentRegistrar
{
    /// <summary>Room for a reply: fixed part, UDP Tunnel Reply, Mobile-Home and Foreign-Home authentication extensions.</summary>
    public const int MaxReplyLength = RegistrationReply.FixedLength + UdpTunnelReplyExtension.Length + 2 * MobilitySecurityAssociation.ExtensionLength;

    private readonly HomeAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly TunnelKindSet _tunnelsFit;

    /// <param name="tunnelUnderlayMtu">The MTU of the link the agent's tunnels leave by: a kind whose tunnel MTU it leaves below 68 bytes cannot be served.</param>
    public HomeAgentRegistrar(HomeAgentOptions options, SecurityAssociationTable mobileNodes, SecurityAssociationTable foreignAgents, BindingTable bindings, TimeProvider time,
        int tunnelUnderlayMtu = 1500)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        MobileNodes = mobileNodes;
        ForeignAgents = foreignAgents;
        Bindings = bindings;
        _time = time;
        foreach (var kind in MobileIpEncapsulation.Negotiable.Kinds)
        {
            int tunnelMtu = kind.DefaultOptions(new TunnelEnds(options.Address, options.Address, tunnelUnderlayMtu)).Mtu;
            if (tunnelUnderlayMtu is >= TunnelMtu.MinUnderlayMtu and <= TunnelMtu.MaxUnderlayMtu && tunnelMtu >= TunnelMtu.MinInnerMtu)
                _tunnelsFit = _tunnelsFit.With(kind);
        }
    }

    /// <summary>Mobile-home security associations, by home address: the nodes this agent serves.</summary>
    public SecurityAssociationTable MobileNodes { get; }

    /// <summary>Foreign-home security associations, by foreign agent address; a request relayed by one of them must carry its authenticator.</summary>
    public SecurityAssociationTable ForeignAgents { get; }

    public BindingTable Bindings { get; }

    /// <summary>
    /// Processes the request <paramref name="message"/> that arrived as <paramref name="from"/> and writes the reply
    /// into <paramref name="reply"/> (at least <see cref="MaxReplyLength"/> bytes). False when the request is to be
    /// silently discarded (RFC 5944 sec 1.9: an unknown extension below 128; or too short to answer).
    /// </summary>
    public bool TryProcess(ReadOnlySpan<byte> message, in RegistrationAddressing from, Span<byte> reply, out HomeAgentDecision decision)
    {
        decision = default;
        var replyTo = new RegistrationAddressing(_options.Address, RegistrationAddressing.Port, from.Source, from.SourcePort);
        if (!RegistrationRequestPacket.TryCreate(message, out var view, out var error))
        {
            // RFC 5944 sec 1.9: a message with an unrecognised extension below 128 is discarded without a word;
            // one whose extensions do not hold together but whose fixed part is whole is answered with 134.
            if (error == WireError.Unsupported || message.Length < RegistrationRequest.FixedLength) return false;
            if (!RegistrationRequest.TryParse(message[..RegistrationRequest.FixedLength], out var fixedPart, out _, out _)) return false;
            MobileNodes.TryGetAny(fixedPart.HomeAddress, out var anyAssociation);
            decision = Deny(fixedPart, RegistrationReplyCode.HomeAgentPoorlyFormedRequest, fixedPart.Identification, anyAssociation, null, replyTo, reply);
            return true;
        }

        var request = view.Request;
        var code = Authenticate(message, view, from, out var association, out var foreignAgent);
        if (code is RegistrationReplyCode denied)
        {
            decision = Deny(request, denied, request.Identification, association, foreignAgent, replyTo, reply);
            return true;
        }

        // Authenticated: every later reply carries a valid authenticator, so the node can trust the code it reads.
        if (PoorlyFormed(request))
        {
            decision = Deny(request, RegistrationReplyCode.HomeAgentPoorlyFormedRequest, request.Identification, association, foreignAgent, replyTo, reply);
            return true;
        }
        // RFC 5944 sec 3.8.2.1: a Home Agent field that is not this agent's address is answered with 136 and this
        // agent's address in the reply, so that the node learns it.
        if (request.HomeAgent != _options.Address)
        {
            decision = Deny(request, RegistrationReplyCode.HomeAgentUnknownHomeAgentAddress, request.Identification, association, foreignAgent, replyTo, reply);
            return true;
        }
        var now = _time.GetUtcNow();
        if (!ReplayCheck.TryAccept(association!, request.Identification, now, _options.NonceSource(), out ulong replyIdentification))
        {
            decision = Deny(request, RegistrationReplyCode.HomeAgentIdentificationMismatch, replyIdentification, association, foreignAgent, replyTo, reply);
            return true;
        }

        if (request.Lifetime == 0)
        {
            // RFC 5944 sec 3.8.2.2: lifetime 0 deletes the binding for the care-of address, or every binding when the
            // care-of address is the home address (the node is back home).
            var change = Bindings.Deregister(request.HomeAddress, request.CareOfAddress);
            var gone = new MobilityBinding(request.HomeAddress, request.CareOfAddress, TunnelKind.IpInIp, false, 0, now.UtcTicks, request.Identification);
            decision = Reply(request, RegistrationReplyCode.Accepted, 0, change, gone, replyIdentification, association!, foreignAgent, replyTo, reply);
            return true;
        }

        var udpRefusal = UdpTunnelRefusal(message, view, from, out var udpTunnel, out var udpCarries);
        // RFC 3519 sec 3.1.4: with UDP tunnelling granted, the tunnel carries what the Encapsulation field names, whatever M and G ask.
        var kind = udpTunnel is not null && MobileIpEncapsulation.TryCarriedInUdp(udpCarries, out var carried) ? carried : MobileIpEncapsulation.Requested(request.Flags);
        if ((Refusal(request, kind) ?? udpRefusal) is RegistrationReplyCode refused)
        {
            decision = Deny(request, refused, replyIdentification, association, foreignAgent, replyTo, reply);
            return true;
        }

        // RFC 5944 sec 3.8.2.2: the lifetime granted is never longer than the one asked for.
        ushort lifetime = Math.Min(request.Lifetime, _options.MaxLifetime);
        var binding = new MobilityBinding(request.HomeAddress, request.CareOfAddress, udpTunnel is null ? MobileIpEncapsulation.Requested(request.Flags) : TunnelKind.Udp,
            (request.Flags & RegistrationFlags.ReverseTunnel) != 0, lifetime, MobilityBinding.ExpiryOf(lifetime, now), request.Identification,
            udpTunnel is null ? default : from.Source, udpTunnel is null ? (ushort)0 : from.SourcePort, udpCarries);
        bool askedSimultaneous = (request.Flags & RegistrationFlags.SimultaneousBindings) != 0;
        bool simultaneous = askedSimultaneous && Bindings.MaxPerHomeAddress > 1;
        var result = Bindings.Register(binding, simultaneous);
        if (result == BindingChange.TableFull)
        {
            decision = Deny(request, RegistrationReplyCode.HomeAgentInsufficientResources, replyIdentification, association, foreignAgent, replyTo, reply);
            return true;
        }
        if (result == BindingChange.TooManySimultaneous)
        {
            decision = Deny(request, RegistrationReplyCode.HomeAgentTooManySimultaneousBindings, replyIdentification, association, foreignAgent, replyTo, reply);
            return true;
        }
        // RFC 5944 sec 3.4: code 1 accepts but says simultaneous bindings are not supported.
        var accepted = askedSimultaneous && !simultaneous ? RegistrationReplyCode.AcceptedNoSimultaneousBindings : RegistrationReplyCode.Accepted;
        decision = Reply(request, accepted, lifetime, result, binding, replyIdentification, association!, foreignAgent, replyTo, reply, udpTunnel);
        return true;
    }

    /// <summary>
    /// RFC 5944 sec 3.8.2.1 authentication checks: the home address is one this agent serves on its home network
    /// (129 otherwise), a foreign agent with an association has authenticated the relay (132), and the Mobile-Home
    /// Authentication Extension is present and verifies under the association its SPI names (131).
    /// </summary>
    private RegistrationReplyCode? Authenticate(ReadOnlySpan<byte> message, RegistrationRequestPacket view, in RegistrationAddressing from,
        out MobilitySecurityAssociation? association, out MobilitySecurityAssociation? foreignAgent)
    {
        association = null;
        foreignAgent = null;
        var request = view.Request;
        if (!_options.IsOnHomeNetwork(request.HomeAddress) || request.HomeAddress == _options.Address)
            return RegistrationReplyCode.HomeAgentAdministrativelyProhibited;

        if (!view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var mobileHome)
            || !AuthenticationExtension.TryParse(mobileHome.Data(message), out var mobileHomeSpi, out _, out _)
            || !MobileNodes.TryGet(request.HomeAddress, mobileHomeSpi.Spi, out var found))
            return RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication;
        association = found;

        if (ForeignAgents.TryGetAny(from.Source, out var faAssociation))
        {
            // The foreign agent's authenticator comes after the node's (RFC 5944 sec 3.7.2.2) and names the association by SPI.
            if (!view.Extensions.TryFind(MobileIpExtensionType.ForeignHomeAuthentication, out var foreignHome)
                || foreignHome.Offset < mobileHome.End
                || !AuthenticationExtension.TryParse(foreignHome.Data(message), out var foreignHomeSpi, out _, out _)
                || !ForeignAgents.TryGet(from.Source, foreignHomeSpi.Spi, out var named)
                || !named.Verify(message, foreignHome))
                return RegistrationReplyCode.HomeAgentForeignAgentFailedAuthentication;
            foreignAgent = named;
        }

        if (!found.Verify(message, mobileHome)) return RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication;
        return null;
    }

    /// <summary>Fields that cannot belong together: a care-of address that is no unicast address, a home address as care-of address with a lifetime, both M and G.</summary>
    private static bool PoorlyFormed(in RegistrationRequest request)
    {
        var careOf = request.CareOfAddress;
        if (careOf.IsUnspecified || careOf.IsMulticast || careOf.IsBroadcast) return true;
        if (careOf == request.HomeAddress && request.Lifetime != 0) return true;
        const RegistrationFlags both = RegistrationFlags.MinimalEncapsulation | RegistrationFlags.Gre;
        return (request.Flags & both) == both;
    }

    /// <summary>
    /// RFC 3024 sec 4.3 checks of a registration (not a deregistration): the encapsulation <paramref name="kind"/> (the M
    /// and G bits', or inside a UDP tunnel the one it carries), reverse tunnel, care-of address.
    /// </summary>
    private RegistrationReplyCode? Refusal(in RegistrationRequest request, TunnelKind kind)
    {
        if (!_options.Encapsulations.Contains(kind)) return RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable;
        bool reverse = (request.Flags & RegistrationFlags.ReverseTunnel) != 0;
        if (reverse && _options.ReverseTunnel == ReverseTunnelPolicy.Unavailable) return RegistrationReplyCode.HomeAgentReverseTunnelUnavailable;
        if (!reverse && _options.ReverseTunnel == ReverseTunnelPolicy.Mandatory) return RegistrationReplyCode.HomeAgentReverseTunnelMandatory;
        // A tunnel into the home network itself would loop back to this agent.
        if (_options.IsOnHomeNetwork(request.CareOfAddress)) return RegistrationReplyCode.HomeAgentAdministrativelyProhibited;
        // RFC 5944 sec 3.4, 128 "reason unspecified": the agent offers the encapsulation but cannot make the tunnel,
        // its link leaving less than the 68 bytes every IPv4 tunnel must carry (RFC 791 sec 3.2). No other code says so.
        if (!_tunnelsFit.Contains(kind)) return RegistrationReplyCode.HomeAgentReasonUnspecified;
        return null;
    }


    /// <summary>
    /// RFC 3519 sec 3.1, 4.6: a request with a UDP Tunnel Request extension gets UDP tunnelling when its source address
    /// is not its care-of address (a NAT rewrote it on the way) or its F flag forces it; <paramref name="reply"/> is then
    /// the UDP Tunnel Reply to send (F set when the request forced it), else null (tunnelling as usual, no reply extension). Denials: an extension that does
    /// not parse or has a sub-type other than 0, 134; UDP tunnelling turned off when it is needed, 142. Sec 3.1.4: the
    /// Encapsulation field names what the tunnel carries (4 IP in IP, 47 GRE, 55 minimal encapsulation; the IP protocol
    /// numbers), and 0 leaves it to the request's M and G bits. <paramref name="carries"/> is then that kind when this agent
    /// offers it (IP in IP always; GRE and minimal encapsulation as configured); a kind not offered, or any other value,
    /// is denied with 139. Reserved fields are ignored (sec 3.1.3).
    /// </summary>
    private RegistrationReplyCode? UdpTunnelRefusal(ReadOnlySpan<byte> message, RegistrationRequestPacket view, in RegistrationAddressing from,
        out UdpTunnelReplyExtension? reply, out IpProtocol carries)
    {
        reply = null;
        carries = 0;
        if (!view.Extensions.TryFind(MobileIpExtensionType.UdpTunnelRequest, out var extension)) return null;
        if (!UdpTunnelRequestExtension.TryParse(extension.Data(message), out var request, out _) || request.SubType != 0)
            return RegistrationReplyCode.HomeAgentPoorlyFormedRequest;
        bool natBetween = from.Source != view.CareOfAddress;
        if (!natBetween && !request.Force) return null;
        if (!_options.UdpTunnelling) return RegistrationReplyCode.HomeAgentUdpEncapsulationUnavailable;
        var carried = request.Encapsulation != 0 ? request.Encapsulation : MobileIpEncapsulation.Requested(view.Request.Flags).OuterProtocol;
        if (!MobileIpEncapsulation.TryCarriedInUdp(carried, out var kind) || !_options.Encapsulations.Contains(kind))
            return RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable;
        carries = carried;
        reply = new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, _options.UdpKeepaliveInterval, Force: request.Force);
        return null;
    }

    private HomeAgentDecision Deny(in RegistrationRequest request, RegistrationReplyCode code, ulong identification,
        MobilitySecurityAssociation? association, MobilitySecurityAssociation? foreignAgent, in RegistrationAddressing replyTo, Span<byte> reply)
    {
        var binding = new MobilityBinding(request.HomeAddress, request.CareOfAddress, MobileIpEncapsulation.Requested(request.Flags), false, 0, 0, request.Identification);
        return Reply(request, code, 0, BindingChange.None, binding, identification, association, foreignAgent, replyTo, reply);
    }

    /// <summary>
    /// Writes the reply (RFC 5944 sec 3.8.3.2): this agent's address as Home Agent, the Identification worked out
    /// by the replay check, the Mobile-Home authenticator when the node's association is known, and the
    /// Foreign-Home one when the request came through a foreign agent this agent shares an association with.
    /// </summary>
    private HomeAgentDecision Reply(in RegistrationRequest request, RegistrationReplyCode code, ushort lifetime, BindingChange change, in MobilityBinding binding,
        ulong identification, MobilitySecurityAssociation? association, MobilitySecurityAssociation? foreignAgent, in RegistrationAddressing replyTo, Span<byte> reply,
        UdpTunnelReplyExtension? udpTunnel = null)
    {
        int length = new RegistrationReply(code, lifetime, request.HomeAddress, _options.Address, identification).Emit(reply);
        // RFC 3519 sec 3.2: the UDP Tunnel Reply goes before the authenticators, which cover it.
        if (udpTunnel is { } udp) length += udp.Emit(reply[length..]);
        if (association is not null) length = association.Authenticate(reply, length, MobileIpExtensionType.MobileHomeAuthentication);
        if (foreignAgent is not null) length = foreignAgent.Authenticate(reply, length, MobileIpExtensionType.ForeignHomeAuthentication);
        return new HomeAgentDecision(code, change, binding, replyTo, length);
    }
}
