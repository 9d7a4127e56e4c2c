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

/// <summary>The foreign agent relay passing registrations on (RFC 5944 sec 3.7): requests relayed, replies forwarded and
/// checked, the RFC 3519 UDP Tunnel Request added, and the relay with a home agent end to end.</summary>
public class ForeignAgentRelayTests : ForeignAgentRelayFixture
{
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
    /// whose request has G, minimal encapsulation (55) for one whose request has M, IP in IP (4) otherwise; F as
    /// the agent's mode says, R clear (the care-of address is the agent's). The pending request remembers it; the reply
    /// that accepts UDP tunnelling hands it to the visitor.
    /// </summary>
    [Theory]
    [InlineData(RegistrationFlags.ReverseTunnel, UdpTunnelMode.Request, IpProtocol.IpInIp)]
    [InlineData(RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre, UdpTunnelMode.Request, IpProtocol.Gre)]
    [InlineData(RegistrationFlags.ReverseTunnel | RegistrationFlags.MinimalEncapsulation, UdpTunnelMode.Force, IpProtocol.MinimalEncapsulation)]
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
