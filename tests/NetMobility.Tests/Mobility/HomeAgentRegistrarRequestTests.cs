using NetMobility.Mobility;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

/// <summary>The home agent's registrar: the checks on a request and the denials they give (RFC 5944 sec 3.4 and 3.8.2: codes 128, 129, 134, 136 to 139).</summary>
public class HomeAgentRegistrarRequestTests : HomeAgentRegistrarFixture
{
    /// <summary>RFC 5944 sec 3.4 code 128: the agent cannot make the tunnel a binding needs (its link's MTU is below what any IPv4 tunnel must carry).</summary>
    [Theory]
    [InlineData(RegistrationFlags.None)]
    [InlineData(RegistrationFlags.Gre)]
    [InlineData(RegistrationFlags.MinimalEncapsulation)]
    public void A_binding_whose_tunnel_the_agent_cannot_make_is_denied_with_128(RegistrationFlags flags)
    {
        var registrar = Registrar(tunnelUnderlayMtu: 100);
        Assert.Equal(RegistrationReplyCode.HomeAgentReasonUnspecified, CodeFor(registrar, Registration(_clock.GetUtcNow(), lifetime: 600, flags: flags)));
        Assert.False(_bindings.TryGetFirst(Home, out _));
        _clock.Advance(TimeSpan.FromSeconds(1)); // a new timestamp: the replay check remembers the first
        Assert.Equal(RegistrationReplyCode.Accepted, CodeFor(Registrar(tunnelUnderlayMtu: 128), Registration(_clock.GetUtcNow(), lifetime: 600, flags: flags)));
    }

    [Fact]
    public void Extensions_that_do_not_hold_together_are_answered_with_134()
    {
        var registrar = Registrar();
        var wire = Request(Registration(_clock.GetUtcNow()), _node);
        wire[RegistrationRequest.FixedLength + 1] = 60; // the authentication extension claims more bytes than there are
        var (decision, reply, bytes) = Process(registrar, wire);
        Assert.Equal(RegistrationReplyCode.HomeAgentPoorlyFormedRequest, reply.Code);
        Assert.Equal(BindingChange.None, decision.Change);
        Assert.True(RegistrationReplyPacket.TryCreate(bytes, out var view, out _));
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        Assert.True(_node.Verify(bytes, auth));
    }

    [Fact]
    public void Fields_that_contradict_each_other_are_answered_with_134()
    {
        var registrar = Registrar();
        var now = _clock.GetUtcNow();
        Assert.Equal(RegistrationReplyCode.HomeAgentPoorlyFormedRequest,
            CodeFor(registrar, Registration(now, flags: RegistrationFlags.Gre | RegistrationFlags.MinimalEncapsulation)));
        Assert.Equal(RegistrationReplyCode.HomeAgentPoorlyFormedRequest, CodeFor(registrar, Registration(now, careOf: Home)));
        Assert.Equal(RegistrationReplyCode.HomeAgentPoorlyFormedRequest, CodeFor(registrar, Registration(now, careOf: Ipv4Address.Parse("224.0.0.1"))));
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void A_request_with_an_unknown_extension_below_128_is_discarded_silently()
    {
        var registrar = Registrar();
        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(Registration(_clock.GetUtcNow()));
        writer.WriteExtension((MobileIpExtensionType)5, [1, 2]);
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        var reply = Hex.Poisoned(HomeAgentRegistrar.MaxReplyLength);
        Assert.False(registrar.TryProcess(writer.Written, FromForeignAgent(), reply, out _));
        Assert.False(registrar.TryProcess(buffer.AsSpan(0, 20), FromForeignAgent(), reply, out _));
        Assert.All(reply, b => Assert.Equal(0xA5, b));
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void A_home_agent_field_naming_another_agent_is_answered_with_136_and_this_agents_address()
    {
        var registrar = Registrar();
        var (_, reply, _) = Process(registrar, Request(Registration(_clock.GetUtcNow(), agent: Ipv4Address.Parse("10.1.0.3")), _node));
        Assert.Equal(RegistrationReplyCode.HomeAgentUnknownHomeAgentAddress, reply.Code);
        Assert.Equal(HomeAgentAddress, reply.HomeAgent);
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void Home_addresses_off_the_home_network_and_care_of_addresses_on_it_are_prohibited_with_129()
    {
        var stranger = Ipv4Address.Parse("10.9.0.42");
        _mobileNodes.Add(stranger, Association());
        var registrar = Registrar();
        var now = _clock.GetUtcNow();
        Assert.Equal(RegistrationReplyCode.HomeAgentAdministrativelyProhibited, CodeFor(registrar, Registration(now, home: stranger)));
        Assert.Equal(RegistrationReplyCode.HomeAgentAdministrativelyProhibited, CodeFor(registrar, Registration(now, careOf: Ipv4Address.Parse("10.1.0.77"))));
        Assert.Equal(0, _bindings.Count);
    }

    [Theory]
    [InlineData(ReverseTunnelPolicy.Unavailable, RegistrationFlags.ReverseTunnel, RegistrationReplyCode.HomeAgentReverseTunnelUnavailable)]
    [InlineData(ReverseTunnelPolicy.Unavailable, RegistrationFlags.None, RegistrationReplyCode.Accepted)]
    [InlineData(ReverseTunnelPolicy.Mandatory, RegistrationFlags.None, RegistrationReplyCode.HomeAgentReverseTunnelMandatory)]
    [InlineData(ReverseTunnelPolicy.Mandatory, RegistrationFlags.ReverseTunnel, RegistrationReplyCode.Accepted)]
    [InlineData(ReverseTunnelPolicy.Available, RegistrationFlags.None, RegistrationReplyCode.Accepted)]
    public void Reverse_tunnel_policy_gives_137_and_138(ReverseTunnelPolicy policy, RegistrationFlags flags, RegistrationReplyCode expected)
    {
        var registrar = Registrar(HomeAgentOptions() with { ReverseTunnel = policy });
        Assert.Equal(expected, CodeFor(registrar, Registration(_clock.GetUtcNow(), flags: flags)));
    }

    [Theory]
    [InlineData(RegistrationFlags.Gre, RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable)]
    [InlineData(RegistrationFlags.MinimalEncapsulation, RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable)]
    [InlineData(RegistrationFlags.None, RegistrationReplyCode.Accepted)]
    public void An_encapsulation_the_agent_does_not_offer_is_denied_with_139(RegistrationFlags flags, RegistrationReplyCode expected)
    {
        var registrar = Registrar(HomeAgentOptions() with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp) });
        Assert.Equal(expected, CodeFor(registrar, Registration(_clock.GetUtcNow(), flags: flags)));
    }
}
