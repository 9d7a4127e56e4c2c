using System.Text;
using NetMobility.Mobility;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

public class ForeignAgentRelayTests
{
    private readonly ManualTimeProvider _clock = Clock();
    private readonly RecordingSender _sender = new();
    private readonly MobilitySecurityAssociation _node = Association();
    private readonly SecurityAssociationTable _mobileNodes = new();
    private readonly SecurityAssociationTable _homeAgents = new();

    private static ForeignAgentOptions Options() => new() { Address = ForeignAgentOnLink, CareOfAddress = CareOf };

    private ForeignAgentRelay Relay(ForeignAgentOptions? options = null) =>
        new(options ?? Options(), _mobileNodes, _homeAgents, _sender, _clock);

    /// <summary>How the hypervisor sends for the VM: from the home address and VM MAC, to the agent, TTL 255.</summary>
    private static RegistrationAddressing FromVisitor(byte ttl = 255) =>
        new(Home, 434, ForeignAgentOnLink, 434, ttl, LinkSource: VmMac, LinkDestination: ForeignAgentMac);

    private RegistrationRequest Request(RegistrationFlags flags = RegistrationFlags.ReverseTunnel, ushort lifetime = 300, Ipv4Address? careOf = null) =>
        Registration(_clock.GetUtcNow(), lifetime, flags, careOf: careOf);

    private RelayOutcome Send(ForeignAgentRelay relay, in RegistrationRequest request, byte ttl = 255, bool deliveryStyle = false) =>
        relay.OnRequest(MobilityFixtures.Request(request, _node, deliveryStyle: deliveryStyle), FromVisitor(ttl));

    /// <summary>The home agent's reply to the request the relay sent on, built as a home agent would.</summary>
    private byte[] HomeReply(in RegistrationRequest request, RegistrationReplyCode code, ushort lifetime, MobilitySecurityAssociation? foreignHome = null)
    {
        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(new RegistrationReply(code, lifetime, request.HomeAddress, HomeAgentAddress, request.Identification));
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        foreignHome?.Authenticate(ref writer, MobileIpExtensionType.ForeignHomeAuthentication);
        return writer.Written.ToArray();
    }

    private static RegistrationAddressing FromHomeAgent => new(HomeAgentAddress, 434, CareOf, 434);

    private RegistrationReply DenialSentToVisitor(RegistrationReplyCode expected)
    {
        var (to, message) = _sender.TakeSingle();
        Assert.Equal(new RegistrationAddressing(ForeignAgentOnLink, 434, Home, 434, 255, null, VmMac), to);
        Assert.True(RegistrationReply.TryParse(message, out var reply, out _, out _));
        Assert.Equal(expected, reply.Code);
        return reply;
    }

    [Fact]
    public void Relays_a_valid_request_to_the_home_agent_and_keeps_it_pending()
    {
        var relay = Relay();
        var request = Request();
        var outcome = Send(relay, request);
        Assert.Equal(RelayAction.Relayed, outcome.Action);

        var (to, relayed) = _sender.TakeSingle();
        Assert.Equal(new RegistrationAddressing(CareOf, 434, HomeAgentAddress, 434), to);
        // Unchanged: fixed part and the node's authenticator, which still verifies at the home agent.
        Assert.Equal(MobilityFixtures.Request(request, _node), relayed);

        Assert.True(relay.Visitors.TryGet(Home, out var visitor));
        Assert.False(visitor.IsAccepted);
        Assert.Equal(new PendingRegistration(request.Identification, 300, RegistrationFlags.ReverseTunnel, HomeAgentAddress, ForeignAgentOnLink, 434, VmMac, false,
            _clock.GetUtcNow().AddSeconds(7).UtcTicks), visitor.Pending);
    }

    /// <summary>
    /// RFC 3519 sec 3.1, 3.1.4: an agent that asks for UDP tunnelling adds a UDP Tunnel Request after the node's
    /// authenticator whose Encapsulation (an IP protocol number) says what the tunnel is to carry: GRE (47) for a visitor
    /// whose request has G, IP in IP (4) otherwise, minimal encapsulation included (no UDP tunnel here carries it); F as
    /// the agent's mode says, R clear (the care-of address is the agent's). The pending request remembers it; the reply
    /// that accepts UDP tunnelling hands it to the visitor.
    /// </summary>
    [Theory]
    [InlineData(RegistrationFlags.ReverseTunnel, UdpTunnelMode.Request, IpProtocol.IpInIp)]
    [InlineData(RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre, UdpTunnelMode.Request, IpProtocol.Gre)]
    [InlineData(RegistrationFlags.ReverseTunnel | RegistrationFlags.MinimalEncapsulation, UdpTunnelMode.Force, IpProtocol.IpInIp)]
    public void Rfc3519_sec_3_1_4_the_relayed_udp_tunnel_request_names_what_the_visitor_asked_for(RegistrationFlags flags, UdpTunnelMode mode, IpProtocol carries)
    {
        var relay = Relay(Options() with { UdpTunnel = mode });
        var request = Request(flags);
        Assert.Equal(RelayAction.Relayed, Send(relay, request).Action);
        var (_, relayed) = _sender.TakeSingle();
        Assert.Equal(MobilityFixtures.Request(request, _node, udpTunnel: new UdpTunnelRequestExtension(carries, Force: mode == UdpTunnelMode.Force)), relayed);
        Assert.True(relay.Visitors.TryGet(Home, out var visitor));
        Assert.Equal(carries, visitor.Pending!.Value.UdpCarries);

        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(new RegistrationReply(RegistrationReplyCode.Accepted, 300, request.HomeAddress, HomeAgentAddress, request.Identification));
        writer.Write(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110));
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        Assert.Equal(RelayAction.Forwarded, relay.OnReply(writer.Written, FromHomeAgent).Action);
        Assert.True(visitor.UdpTunnel);
        Assert.Equal(TunnelKind.Udp, visitor.Encapsulation);
        Assert.Equal(carries, visitor.UdpCarries);
    }

    [Fact]
    public void Without_udp_tunnelling_nothing_is_added_and_nothing_is_carried_in_udp()
    {
        var relay = Relay();
        var request = Request(RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre);
        Send(relay, request);
        var (_, relayed) = _sender.TakeSingle();
        Assert.Equal(MobilityFixtures.Request(request, _node), relayed);
        Assert.True(relay.Visitors.TryGet(Home, out var visitor));
        Assert.Equal((IpProtocol)0, visitor.Pending!.Value.UdpCarries);
    }

    [Fact]
    public void Consumes_what_follows_the_mobile_home_authenticator_and_adds_its_own()
    {
        var foreignHome = new MobilitySecurityAssociation(ForeignSpi, ForeignKey);
        _homeAgents.Add(HomeAgentAddress, foreignHome);
        var mobileForeign = new MobilitySecurityAssociation(0x3000, Encoding.ASCII.GetBytes("mn-fa"));
        _mobileNodes.Add(Home, mobileForeign);
        var relay = Relay();

        var request = Request();
        var buffer = new byte[256];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(request);
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        writer.WriteEncapsulatingDeliveryStyle();
        mobileForeign.Authenticate(ref writer, MobileIpExtensionType.MobileForeignAuthentication);
        Assert.Equal(RelayAction.Relayed, relay.OnRequest(writer.Written, FromVisitor()).Action);
        Assert.True(relay.Visitors.TryGet(Home, out var visitor));
        Assert.True(visitor.Pending!.Value.EncapsulatingDelivery);

        var (_, relayed) = _sender.TakeSingle();
        // Fixed part + Mobile-Home (22) + Foreign-Home (22): the delivery style and Mobile-Foreign extensions are gone.
        Assert.Equal(24 + 22 + 22, relayed.Length);
        Assert.Equal(MobilityFixtures.Request(request, _node, foreignHome), relayed);
    }

    [Fact]
    public void Forwards_an_accepted_reply_to_the_visitor_and_installs_it()
    {
        var foreignHome = new MobilitySecurityAssociation(ForeignSpi, ForeignKey);
        _homeAgents.Add(HomeAgentAddress, foreignHome);
        var relay = Relay();
        var request = Request(lifetime: 300);
        Send(relay, request);
        _sender.Registrations.Clear();

        var outcome = relay.OnReply(HomeReply(request, RegistrationReplyCode.Accepted, 200, foreignHome), FromHomeAgent);
        Assert.Equal(new RelayOutcome(RelayAction.Forwarded, RegistrationReplyCode.Accepted, outcome.Visitor), outcome);

        var (to, forwarded) = _sender.TakeSingle();
        Assert.Equal(new RegistrationAddressing(ForeignAgentOnLink, 434, Home, 434, 255, null, VmMac), to);
        // The Foreign-Home authenticator stays with the agent; the node's own still verifies.
        Assert.Equal(HomeReply(request, RegistrationReplyCode.Accepted, 200), forwarded);

        Assert.True(relay.Visitors.TryGetAccepted(Home, out var visitor));
        Assert.Equal(VmMac, visitor.LinkAddress);
        Assert.Equal(HomeAgentAddress, visitor.HomeAgent);
        Assert.True(visitor.ReverseTunnel);
        Assert.Equal(200, visitor.Lifetime);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(200).UtcTicks, visitor.ExpiresTicks);
        Assert.Null(visitor.Pending);
    }

    [Fact]
    public void A_reply_without_a_valid_foreign_home_authenticator_becomes_68()
    {
        var foreignHome = new MobilitySecurityAssociation(ForeignSpi, ForeignKey);
        _homeAgents.Add(HomeAgentAddress, foreignHome);
        var relay = Relay();
        var request = Request();
        Send(relay, request);
        _sender.Registrations.Clear();

        var outcome = relay.OnReply(HomeReply(request, RegistrationReplyCode.Accepted, 300), FromHomeAgent);
        Assert.Equal(RelayAction.Denied, outcome.Action);
        DenialSentToVisitor(RegistrationReplyCode.ForeignAgentHomeAgentFailedAuthentication);
        Assert.False(relay.Visitors.TryGet(Home, out _));
    }

    [Fact]
    public void A_malformed_reply_to_a_pending_request_becomes_71()
    {
        var relay = Relay();
        var request = Request();
        Send(relay, request);
        _sender.Registrations.Clear();
        var reply = HomeReply(request, RegistrationReplyCode.Accepted, 300);
        reply[RegistrationReply.FixedLength + 1] = 90; // the authentication extension overruns the message
        Assert.Equal(RelayAction.Denied, relay.OnReply(reply, FromHomeAgent).Action);
        DenialSentToVisitor(RegistrationReplyCode.ForeignAgentPoorlyFormedReply);
    }

    [Fact]
    public void A_reply_that_matches_no_pending_request_is_dropped()
    {
        var relay = Relay();
        var request = Request();
        Assert.Equal(RelayAction.Discarded, relay.OnReply(HomeReply(request, RegistrationReplyCode.Accepted, 300), FromHomeAgent).Action);
        Send(relay, request);
        _sender.Registrations.Clear();
        var stale = request with { Identification = request.Identification + 1 };
        Assert.Equal(RelayAction.Discarded, relay.OnReply(HomeReply(stale, RegistrationReplyCode.Accepted, 300), FromHomeAgent).Action);
        Assert.Empty(_sender.Registrations);
        Assert.Equal(2, relay.UnmatchedReplies);
    }

    [Fact]
    public void A_home_agent_denial_is_passed_on_and_the_pending_visitor_goes()
    {
        var relay = Relay();
        var request = Request();
        Send(relay, request);
        _sender.Registrations.Clear();
        var outcome = relay.OnReply(HomeReply(request, RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication, 0), FromHomeAgent);
        Assert.Equal(RelayAction.Forwarded, outcome.Action);
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication, outcome.Code);
        DenialSentToVisitor(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication);
        Assert.Equal(0, relay.Visitors.Count);
    }

    /// <summary>RFC 5944 sec 3.4 and 3.7.1: an ICMP error instead of the home agent's reply gives the visitor 80, 81, 82 or 88 at once.</summary>
    [Theory]
    [InlineData(Icmpv4Type.DestinationUnreachable, 0, RegistrationReplyCode.ForeignAgentHomeNetworkUnreachable)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 1, RegistrationReplyCode.ForeignAgentHomeAgentHostUnreachable)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 3, RegistrationReplyCode.ForeignAgentHomeAgentPortUnreachable)]
    [InlineData(Icmpv4Type.DestinationUnreachable, 13, RegistrationReplyCode.ForeignAgentHomeAgentUnreachable)]
    [InlineData(Icmpv4Type.TimeExceeded, 0, RegistrationReplyCode.ForeignAgentHomeAgentUnreachable)]
    public void An_icmp_error_for_a_relayed_request_answers_the_visitor_with_80_to_88(Icmpv4Type type, byte code, RegistrationReplyCode expected)
    {
        var relay = Relay();
        var request = Request();
        Send(relay, request);
        var (_, relayed) = _sender.TakeSingle();

        var outcomes = new List<RelayOutcome>();
        relay.OnRelayError(type, code, HomeAgentAddress, relayed, outcomes);
        Assert.Equal(expected, Assert.Single(outcomes).Code);
        DenialSentToVisitor(expected);
        Assert.Equal(0, relay.Visitors.Count);
        Assert.Equal(1, relay.RelayErrors);
    }

    [Fact]
    public void An_icmp_error_naming_another_request_or_saying_nothing_of_delivery_changes_nothing()
    {
        var relay = Relay();
        var request = Request();
        Send(relay, request);
        var (_, relayed) = _sender.TakeSingle();
        var outcomes = new List<RelayOutcome>();

        var other = relayed.ToArray();
        other[23] ^= 1; // another Identification
        relay.OnRelayError(Icmpv4Type.DestinationUnreachable, 1, HomeAgentAddress, other, outcomes);
        relay.OnRelayError(Icmpv4Type.DestinationUnreachable, 1, Ipv4Address.Parse("10.9.0.9"), relayed, outcomes);
        relay.OnRelayError(Icmpv4Type.Redirect, 1, HomeAgentAddress, relayed, outcomes);
        Assert.Empty(outcomes);
        Assert.Empty(_sender.Registrations);

        // RFC 792's minimal quote holds no request at all: every request pending with that home agent is given up.
        relay.OnRelayError(Icmpv4Type.DestinationUnreachable, 0, HomeAgentAddress, [], outcomes);
        Assert.Equal(RegistrationReplyCode.ForeignAgentHomeNetworkUnreachable, Assert.Single(outcomes).Code);
    }

    [Fact]
    public void A_busy_agent_denies_newcomers_with_66()
    {
        var relay = Relay(Options() with { Busy = true });
        Send(relay, Request());
        DenialSentToVisitor(RegistrationReplyCode.ForeignAgentInsufficientResources);
        Assert.Equal(0, relay.Visitors.Count);
    }

    [Fact]
    public void A_request_left_unanswered_times_out_with_78()
    {
        var relay = Relay();
        Send(relay, Request());
        _sender.Registrations.Clear();
        Assert.Equal(_clock.GetUtcNow().AddSeconds(7), relay.NextDeadline);

        var ended = new List<Visitor>();
        _clock.Advance(TimeSpan.FromSeconds(6));
        relay.ExpireDue(_clock.GetUtcNow(), ended);
        Assert.Empty(_sender.Registrations);

        _clock.Advance(TimeSpan.FromSeconds(1));
        relay.ExpireDue(_clock.GetUtcNow(), ended);
        DenialSentToVisitor(RegistrationReplyCode.ForeignAgentRegistrationTimeout);
        Assert.Equal(0, relay.Visitors.Count);
        Assert.Equal(1, relay.Timeouts);
        Assert.Null(relay.NextDeadline);
    }

    [Fact]
    public void An_accepted_visitor_ends_when_its_lifetime_runs_out()
    {
        var relay = Relay();
        var request = Request(lifetime: 60);
        Send(relay, request);
        relay.OnReply(HomeReply(request, RegistrationReplyCode.Accepted, 60), FromHomeAgent);
        var ended = new List<Visitor>();
        _clock.Advance(TimeSpan.FromSeconds(59));
        relay.ExpireDue(_clock.GetUtcNow(), ended);
        Assert.Empty(ended);
        Assert.True(relay.Visitors.TryGetAccepted(Home, out _));
        _clock.Advance(TimeSpan.FromSeconds(1));
        relay.ExpireDue(_clock.GetUtcNow(), ended);
        Assert.Equal(Home, Assert.Single(ended).HomeAddress);
        Assert.False(relay.Visitors.TryGet(Home, out _));
    }

    [Fact]
    public void A_renewal_keeps_the_visitor_served_while_pending_and_a_deregistration_removes_it()
    {
        var relay = Relay();
        var first = Request(lifetime: 60);
        Send(relay, first);
        relay.OnReply(HomeReply(first, RegistrationReplyCode.Accepted, 60), FromHomeAgent);

        _clock.Advance(TimeSpan.FromSeconds(30));
        var renewal = Request(lifetime: 60);
        Send(relay, renewal);
        Assert.True(relay.Visitors.TryGetAccepted(Home, out var visitor));
        Assert.NotNull(visitor.Pending);
        relay.OnReply(HomeReply(renewal, RegistrationReplyCode.Accepted, 60), FromHomeAgent);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(60).UtcTicks, visitor.ExpiresTicks);

        var deregistration = Request(lifetime: 0, careOf: Home);
        Assert.Equal(RelayAction.Relayed, Send(relay, deregistration).Action);
        relay.OnReply(HomeReply(deregistration, RegistrationReplyCode.Accepted, 0), FromHomeAgent);
        Assert.Equal(0, relay.Visitors.Count);
    }

    [Fact]
    public void Lifetime_longer_than_advertised_is_denied_with_69_naming_the_maximum()
    {
        var relay = Relay();
        Assert.Equal(RegistrationReplyCode.ForeignAgentRequestedLifetimeTooLong, Send(relay, Request(lifetime: 601)).Code);
        var reply = DenialSentToVisitor(RegistrationReplyCode.ForeignAgentRequestedLifetimeTooLong);
        Assert.Equal(600, reply.Lifetime);
        Assert.Equal(0, relay.Visitors.Count);
    }

    [Fact]
    public void A_request_without_the_t_bit_sent_from_afar_is_fine_but_with_it_is_too_distant_76()
    {
        var relay = Relay();
        Assert.Equal(RelayAction.Relayed, Send(relay, Request(flags: RegistrationFlags.None), ttl: 64).Action);
        _sender.Registrations.Clear();
        Assert.Equal(RegistrationReplyCode.ForeignAgentMobileNodeTooDistant, Send(relay, Request(), ttl: 64).Code);
        DenialSentToVisitor(RegistrationReplyCode.ForeignAgentMobileNodeTooDistant);
    }

    public static TheoryData<string, RegistrationReplyCode> Denials => new()
    {
        { "reverse-unavailable", RegistrationReplyCode.ForeignAgentReverseTunnelUnavailable },
        { "reverse-mandatory", RegistrationReplyCode.ForeignAgentReverseTunnelMandatory },
        { "encapsulation", RegistrationReplyCode.ForeignAgentRequestedEncapsulationUnavailable },
        { "care-of", RegistrationReplyCode.ForeignAgentInvalidCareOfAddress },
        { "both-m-and-g", RegistrationReplyCode.ForeignAgentPoorlyFormedRequest },
        { "style-without-t", RegistrationReplyCode.ForeignAgentPoorlyFormedRequest },
        { "style-unsupported", RegistrationReplyCode.ForeignAgentDeliveryStyleNotSupported },
        { "prohibited", RegistrationReplyCode.ForeignAgentAdministrativelyProhibited },
    };

    [Theory]
    [MemberData(nameof(Denials))]
    public void Denies_with_its_own_codes(string situation, RegistrationReplyCode expected)
    {
        var options = Options();
        var request = Request();
        bool style = false;
        switch (situation)
        {
            case "reverse-unavailable": options = options with { ReverseTunnel = ReverseTunnelPolicy.Unavailable }; break;
            case "reverse-mandatory": options = options with { ReverseTunnel = ReverseTunnelPolicy.Mandatory }; request = Request(RegistrationFlags.None); break;
            case "encapsulation": options = options with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp) }; request = Request(RegistrationFlags.Gre); break;
            case "care-of": request = Request(careOf: OtherCareOf); break;
            case "both-m-and-g": request = Request(RegistrationFlags.Gre | RegistrationFlags.MinimalEncapsulation); break;
            case "style-without-t": request = Request(RegistrationFlags.None); style = true; break;
            case "style-unsupported": options = options with { EncapsulatingDelivery = false }; style = true; break;
            case "prohibited": options = options with { AllowedHomeAgents = new HashSet<Ipv4Address> { OtherCareOf } }; break;
        }
        var relay = Relay(options);
        var outcome = Send(relay, request, deliveryStyle: style);
        Assert.Equal(new RelayOutcome(RelayAction.Denied, expected, null), outcome);
        var reply = DenialSentToVisitor(expected);
        Assert.Equal(new RegistrationReply(expected, 0, Home, HomeAgentAddress, request.Identification), reply);
        Assert.Equal(0, relay.Visitors.Count);
    }

    [Fact]
    public void Mobile_foreign_authentication_is_checked_when_configured_or_67()
    {
        var mobileForeign = new MobilitySecurityAssociation(0x3000, Encoding.ASCII.GetBytes("mn-fa"));
        _mobileNodes.Add(Home, mobileForeign);
        var relay = Relay();
        var request = Request();
        Assert.Equal(RegistrationReplyCode.ForeignAgentMobileNodeFailedAuthentication, Send(relay, request).Code);
        var reply = DenialSentToVisitor(RegistrationReplyCode.ForeignAgentMobileNodeFailedAuthentication);

        var buffer = new byte[256];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(request);
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        var forged = new MobilitySecurityAssociation(0x3000, "guess"u8);
        forged.Authenticate(ref writer, MobileIpExtensionType.MobileForeignAuthentication);
        Assert.Equal(RegistrationReplyCode.ForeignAgentMobileNodeFailedAuthentication, relay.OnRequest(writer.Written, FromVisitor()).Code);
        _sender.Registrations.Clear();

        writer = new MobileIpMessageWriter(buffer);
        writer.Write(request);
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        mobileForeign.Authenticate(ref writer, MobileIpExtensionType.MobileForeignAuthentication);
        Assert.Equal(RelayAction.Relayed, relay.OnRequest(writer.Written, FromVisitor()).Action);
    }

    [Fact]
    public void Answers_from_the_agent_carry_its_mobile_foreign_authenticator()
    {
        var mobileForeign = new MobilitySecurityAssociation(0x3000, Encoding.ASCII.GetBytes("mn-fa"));
        _mobileNodes.Add(Home, mobileForeign);
        var relay = Relay();
        relay.OnRequest(MobilityFixtures.Request(Request(lifetime: 900), _node), FromVisitor());
        var (_, message) = _sender.TakeSingle();
        Assert.True(RegistrationReplyPacket.TryCreate(message, out var view, out _));
        Assert.Equal(RegistrationReplyCode.ForeignAgentMobileNodeFailedAuthentication, view.Code);
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileForeignAuthentication, out var auth));
        Assert.True(mobileForeign.Verify(message, auth));
    }

    [Fact]
    public void A_full_visitor_list_denies_newcomers_with_66()
    {
        var relay = Relay(Options() with { VisitorCapacity = 1 });
        Send(relay, Request());
        _sender.Registrations.Clear();
        var stranger = Registration(_clock.GetUtcNow(), 300, RegistrationFlags.ReverseTunnel, home: SecondHome);
        var outcome = relay.OnRequest(MobilityFixtures.Request(stranger, new MobilitySecurityAssociation(Spi, Key)),
            FromVisitor() with { Source = SecondHome });
        Assert.Equal(RegistrationReplyCode.ForeignAgentInsufficientResources, outcome.Code);
        Assert.True(relay.Visitors.IsFull);
    }

    [Fact]
    public void Malformed_requests_get_70_and_unknown_mandatory_extensions_are_dropped()
    {
        var relay = Relay();
        var wire = MobilityFixtures.Request(Request(), _node);
        wire[RegistrationRequest.FixedLength + 1] = 100;
        Assert.Equal(RegistrationReplyCode.ForeignAgentPoorlyFormedRequest, relay.OnRequest(wire, FromVisitor()).Code);
        DenialSentToVisitor(RegistrationReplyCode.ForeignAgentPoorlyFormedRequest);

        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(Request());
        writer.WriteExtension((MobileIpExtensionType)7, []);
        Assert.Equal(RelayAction.Discarded, relay.OnRequest(writer.Written, FromVisitor()).Action);
        Assert.Equal(RelayAction.Discarded, relay.OnRequest(wire, FromVisitor() with { LinkSource = null }).Action);
        Assert.Empty(_sender.Registrations);
    }

    [Fact]
    public void Relay_and_home_agent_together_register_the_node_end_to_end()
    {
        var foreignHome = new MobilitySecurityAssociation(ForeignSpi, ForeignKey);
        var homeForeign = new MobilitySecurityAssociation(ForeignSpi, ForeignKey);
        _homeAgents.Add(HomeAgentAddress, foreignHome);
        var relay = Relay();
        var haNodes = new SecurityAssociationTable();
        var haNode = Association();
        haNodes.Add(Home, haNode);
        var haForeign = new SecurityAssociationTable();
        haForeign.Add(CareOf, homeForeign);
        var bindings = new BindingTable();
        var registrar = new HomeAgentRegistrar(HomeAgentOptions(), haNodes, haForeign, bindings, _clock);

        var request = Request(RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre, 300);
        Send(relay, request);
        var (toHome, relayed) = _sender.TakeSingle();
        var reply = new byte[HomeAgentRegistrar.MaxReplyLength];
        Assert.True(registrar.TryProcess(relayed, toHome with { }, reply, out var decision));
        Assert.Equal(RegistrationReplyCode.Accepted, decision.Code);
        Assert.Equal(new RegistrationAddressing(HomeAgentAddress, 434, CareOf, 434), decision.ReplyTo);

        var outcome = relay.OnReply(reply.AsSpan(0, decision.ReplyLength), new RegistrationAddressing(HomeAgentAddress, 434, CareOf, 434));
        Assert.Equal(RelayAction.Forwarded, outcome.Action);
        var (_, toNode) = _sender.TakeSingle();
        Assert.True(RegistrationReplyPacket.TryCreate(toNode, out var view, out _));
        Assert.Equal(RegistrationReplyCode.Accepted, view.Code);
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        Assert.True(_node.Verify(toNode, auth));
        Assert.True(bindings.TryGetFirst(Home, out var binding));
        Assert.Equal(TunnelKind.Gre, binding.Encapsulation);
        Assert.True(relay.Visitors.TryGetAccepted(Home, out _));
    }
}
