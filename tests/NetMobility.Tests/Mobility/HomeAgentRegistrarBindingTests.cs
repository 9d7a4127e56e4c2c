using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

/// <summary>The home agent's registrar: the binding table (RFC 5944 sec 3.8.3) and binding lifetimes (codes 130 and 135, renewal, expiry, deregistration).</summary>
public class HomeAgentRegistrarBindingTests : HomeAgentRegistrarFixture
{
    [Fact]
    public void Accepts_a_valid_request_and_installs_the_binding()
    {
        var registrar = Registrar();
        var now = _clock.GetUtcNow();
        var request = Registration(now, lifetime: 600, flags: RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre);
        var (decision, reply, bytes) = Process(registrar, Request(request, _node), FromForeignAgent(port: 49152));

        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(BindingChange.Created, decision.Change);
        Assert.Equal(new RegistrationReply(RegistrationReplyCode.Accepted, 600, Home, HomeAgentAddress, request.Identification), reply);
        // RFC 5944 sec 3.8.3.1: back to the request's source address and port, from port 434.
        Assert.Equal(new RegistrationAddressing(HomeAgentAddress, 434, ForeignAgentAddress, 49152), decision.ReplyTo);

        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal(new MobilityBinding(Home, CareOf, TunnelKind.Gre, true, 600, now.AddSeconds(600).UtcTicks, request.Identification), binding);

        // The reply is authenticated with the node's association: the node can verify it.
        Assert.True(RegistrationReplyPacket.TryCreate(bytes, out var view, out _));
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        Assert.True(_node.Verify(bytes, auth));
        Assert.Equal(1, view.Extensions.Count);
    }

    [Theory]
    [InlineData(600, 1800, 600)]
    [InlineData(5000, 1800, 1800)]
    [InlineData(0xFFFF, 1800, 1800)]
    [InlineData(0xFFFF, 0xFFFF, 0xFFFF)]
    public void Grants_the_lifetime_asked_for_or_less_never_more(int asked, int max, int granted)
    {
        var registrar = Registrar(HomeAgentOptions() with { MaxLifetime = (ushort)max });
        var (_, reply, _) = Process(registrar, Request(Registration(_clock.GetUtcNow(), lifetime: (ushort)asked), _node));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(granted, reply.Lifetime);
        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal(granted == 0xFFFF, binding.IsInfinite);
    }

    [Fact]
    public void A_full_binding_table_denies_new_nodes_with_130_but_renews_bound_ones()
    {
        _mobileNodes.Add(SecondHome, new MobilitySecurityAssociation(Spi, Key));
        var registrar = Registrar(HomeAgentOptions() with { BindingCapacity = 1 });
        var now = _clock.GetUtcNow();
        Assert.Equal(RegistrationReplyCode.Accepted, CodeFor(registrar, Registration(now)));
        _mobileNodes.TryGetAny(SecondHome, out var second);
        Assert.Equal(RegistrationReplyCode.HomeAgentInsufficientResources,
            Process(registrar, Request(Registration(now, home: SecondHome), second)).Decision.Code);
        var (decision, reply, _) = Process(registrar, Request(Registration(now.AddSeconds(1)), _node));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(BindingChange.Renewed, decision.Change);
    }

    [Fact]
    public void Simultaneous_bindings_add_up_to_the_limit_then_135()
    {
        var registrar = Registrar(HomeAgentOptions() with { MaxSimultaneousBindings = 2 });
        var now = _clock.GetUtcNow();
        const RegistrationFlags s = RegistrationFlags.SimultaneousBindings;
        var (first, _, _) = Process(registrar, Request(Registration(now, flags: s), _node));
        var (second, _, _) = Process(registrar, Request(Registration(now.AddSeconds(1), flags: s, careOf: OtherCareOf), _node));
        Assert.Equal(BindingChange.Created, first.Change);
        Assert.Equal(BindingChange.Added, second.Change);
        Assert.Equal(2, _bindings.Get(Home).Count);

        var third = Registration(now.AddSeconds(2), flags: s, careOf: Ipv4Address.Parse("10.4.0.2"));
        Assert.Equal(RegistrationReplyCode.HomeAgentTooManySimultaneousBindings, CodeFor(registrar, third));
        Assert.Equal(2, _bindings.Get(Home).Count);

        // Without the S bit the new care-of address replaces every binding (RFC 5944 sec 3.8.2.2).
        var (moved, reply, _) = Process(registrar, Request(third with { Flags = RegistrationFlags.None, Identification = MobileIpTimestamp.From(now.AddSeconds(3)) }, _node));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(BindingChange.Moved, moved.Change);
        Assert.Equal(1, _bindings.Get(Home).Count);
        Assert.Equal(Ipv4Address.Parse("10.4.0.2"), _bindings.Get(Home)[0].CareOfAddress);
    }

    [Fact]
    public void An_agent_without_simultaneous_bindings_accepts_with_code_1_and_replaces()
    {
        var registrar = Registrar(HomeAgentOptions() with { MaxSimultaneousBindings = 1 });
        var now = _clock.GetUtcNow();
        Assert.Equal(RegistrationReplyCode.AcceptedNoSimultaneousBindings, CodeFor(registrar, Registration(now, flags: RegistrationFlags.SimultaneousBindings)));
        var (decision, reply, _) = Process(registrar, Request(Registration(now.AddSeconds(1), flags: RegistrationFlags.SimultaneousBindings, careOf: OtherCareOf), _node));
        Assert.Equal(RegistrationReplyCode.AcceptedNoSimultaneousBindings, reply.Code);
        Assert.True(reply.Code.IsAccepted());
        Assert.Equal(BindingChange.Moved, decision.Change);
        Assert.Equal(1, _bindings.Count);
    }

    [Fact]
    public void Lifetime_zero_removes_one_care_of_address_or_with_the_home_address_all_of_them()
    {
        var registrar = Registrar();
        var now = _clock.GetUtcNow();
        const RegistrationFlags s = RegistrationFlags.SimultaneousBindings;
        CodeFor(registrar, Registration(now, flags: s));
        CodeFor(registrar, Registration(now.AddSeconds(1), flags: s, careOf: OtherCareOf));
        CodeFor(registrar, Registration(now.AddSeconds(2), flags: s, careOf: Ipv4Address.Parse("10.4.0.2")));
        Assert.Equal(3, _bindings.Count);

        var (one, oneReply, _) = Process(registrar, Request(Registration(now.AddSeconds(3), lifetime: 0, careOf: OtherCareOf), _node));
        Assert.Equal(RegistrationReplyCode.Accepted, oneReply.Code);
        Assert.Equal(0, oneReply.Lifetime);
        Assert.Equal(BindingChange.Removed, one.Change);
        Assert.False(_bindings.TryGet(Home, OtherCareOf, out _));
        Assert.Equal(2, _bindings.Count);

        var (all, _, _) = Process(registrar, Request(Registration(now.AddSeconds(4), lifetime: 0, careOf: Home), _node, null), new RegistrationAddressing(Home, 434, HomeAgentAddress, 434));
        Assert.Equal(BindingChange.Deregistered, all.Change);
        Assert.False(_bindings.IsAway(Home));
        Assert.Equal(0, _bindings.Count);

        // Deregistering again is still accepted: nothing to remove.
        var (again, againReply, _) = Process(registrar, Request(Registration(now.AddSeconds(5), lifetime: 0, careOf: Home), _node));
        Assert.Equal(RegistrationReplyCode.Accepted, againReply.Code);
        Assert.Equal(BindingChange.None, again.Change);
    }

    [Fact]
    public void A_binding_expires_at_the_end_of_its_lifetime()
    {
        var registrar = Registrar();
        CodeFor(registrar, Registration(_clock.GetUtcNow(), lifetime: 30));
        var expired = new List<MobilityBinding>();
        Assert.Equal(_clock.GetUtcNow().AddSeconds(30), _bindings.NextExpiry);

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, _bindings.ExpireDue(_clock.GetUtcNow(), expired));
        Assert.True(_bindings.IsAway(Home));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _bindings.ExpireDue(_clock.GetUtcNow(), expired));
        Assert.Equal(Home, Assert.Single(expired).HomeAddress);
        Assert.False(_bindings.TryGetFirst(Home, out _));
        Assert.Null(_bindings.NextExpiry);
    }

    [Fact]
    public void A_renewal_pushes_the_expiry_back()
    {
        var registrar = Registrar();
        var start = _clock.GetUtcNow();
        CodeFor(registrar, Registration(start, lifetime: 30));
        _clock.Advance(TimeSpan.FromSeconds(20));
        var (renewal, _, _) = Process(registrar, Request(Registration(_clock.GetUtcNow(), lifetime: 30), _node));
        Assert.Equal(BindingChange.Renewed, renewal.Change);

        _clock.Advance(TimeSpan.FromSeconds(15)); // 35 s after the first registration, 15 s after the renewal
        var expired = new List<MobilityBinding>();
        Assert.Equal(0, _bindings.ExpireDue(_clock.GetUtcNow(), expired));
        Assert.Equal(start.AddSeconds(50), _bindings.NextExpiry);
        _clock.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(1, _bindings.ExpireDue(_clock.GetUtcNow(), expired));
    }
}
