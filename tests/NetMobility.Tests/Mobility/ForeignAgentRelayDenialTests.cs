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

/// <summary>The foreign agent relay's own answers (RFC 5944 sec 3.7.2): ICMP errors for relayed requests (80-88), busy
/// and full (66), timeouts (78), lifetimes (69), authentication (67), malformed requests (70), too distant (76).</summary>
public class ForeignAgentRelayDenialTests : ForeignAgentRelayFixture
{
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
}
