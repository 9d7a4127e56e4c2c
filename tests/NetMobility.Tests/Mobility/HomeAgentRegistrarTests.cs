using NetMobility.Mobility;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

public class HomeAgentRegistrarTests
{
    private readonly ManualTimeProvider _clock = Clock();
    private readonly MobilitySecurityAssociation _node = Association();
    private readonly SecurityAssociationTable _mobileNodes = new();
    private readonly SecurityAssociationTable _foreignAgents = new();
    private BindingTable _bindings = new();

    public HomeAgentRegistrarTests() => _mobileNodes.Add(Home, _node);

    private HomeAgentRegistrar Registrar(HomeAgentOptions? options = null, int tunnelUnderlayMtu = 1500)
    {
        options ??= HomeAgentOptions();
        _bindings = new BindingTable(options.BindingCapacity, options.MaxSimultaneousBindings);
        return new HomeAgentRegistrar(options, _mobileNodes, _foreignAgents, _bindings, _clock, tunnelUnderlayMtu);
    }

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

    /// <summary>Runs one request through a registrar and parses the reply it wrote.</summary>
    private static (HomeAgentDecision Decision, RegistrationReply Reply, byte[] Bytes) Process(HomeAgentRegistrar registrar, byte[] request, RegistrationAddressing? from = null)
    {
        var buffer = Hex.Poisoned(HomeAgentRegistrar.MaxReplyLength);
        Assert.True(registrar.TryProcess(request, from ?? FromForeignAgent(), buffer, out var decision));
        var bytes = buffer[..decision.ReplyLength];
        Assert.True(RegistrationReply.TryParse(bytes, out var reply, out _, out _));
        Assert.Equal(decision.Code, reply.Code);
        return (decision, reply, bytes);
    }

    private RegistrationReplyCode CodeFor(HomeAgentRegistrar registrar, in RegistrationRequest request) =>
        Process(registrar, Request(request, _node)).Decision.Code;

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
        Assert.True(RegistrationReplyMessage.TryCreate(bytes, out var view, out _));
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
    public void A_forged_authenticator_is_denied_with_131_and_changes_nothing()
    {
        var registrar = Registrar();
        var wire = Request(Registration(_clock.GetUtcNow()), _node);
        wire[^1] ^= 0x01; // last authenticator octet
        var (decision, reply, _) = Process(registrar, wire);
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication, reply.Code);
        Assert.Equal(BindingChange.None, decision.Change);
        Assert.Equal(0, _bindings.Count);
        Assert.Null(_node.LastAccepted);
    }

    [Fact]
    public void A_request_signed_with_another_key_is_denied_with_131()
    {
        var registrar = Registrar();
        var impostor = new MobilitySecurityAssociation(Spi, "not the key"u8);
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication,
            Process(registrar, Request(Registration(_clock.GetUtcNow()), impostor)).Decision.Code);
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void Changing_a_protected_field_after_signing_is_denied_with_131()
    {
        var registrar = Registrar();
        var wire = Request(Registration(_clock.GetUtcNow()), _node);
        OtherCareOf.Write(wire.AsSpan(12)); // an attacker redirects the care-of address
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication, Process(registrar, wire).Decision.Code);
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void A_missing_authentication_extension_or_unknown_spi_is_denied_with_131()
    {
        var registrar = Registrar();
        var request = Registration(_clock.GetUtcNow());
        var (_, unsigned, unsignedBytes) = Process(registrar, Request(request, association: null));
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication, unsigned.Code);
        // Nothing to authenticate the reply with but the node's own association, and no SPI was named.
        Assert.Equal(RegistrationReply.FixedLength, unsignedBytes.Length);

        var otherSpi = new MobilitySecurityAssociation(Spi + 1, Key);
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication, Process(registrar, Request(request, otherSpi)).Decision.Code);
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void Keyed_md5_associations_from_rfc_2002_authenticate_too()
    {
        var md5 = new MobilitySecurityAssociation(Spi, Key, MobileIpAuthenticationAlgorithm.KeyedMd5PrefixSuffix);
        _mobileNodes.Add(SecondHome, md5);
        var registrar = Registrar();
        var request = Registration(_clock.GetUtcNow(), home: SecondHome);
        var (_, reply, bytes) = Process(registrar, Request(request, md5));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.True(RegistrationReplyMessage.TryCreate(bytes, out var view, out _));
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        Assert.True(md5.Verify(bytes, auth));
        // Signed with HMAC-MD5 under the same key, the request fails.
        Assert.Equal(RegistrationReplyCode.HomeAgentMobileNodeFailedAuthentication,
            Process(registrar, Request(Registration(_clock.GetUtcNow().AddSeconds(1), home: SecondHome), new MobilitySecurityAssociation(Spi, Key))).Decision.Code);
    }

    [Fact]
    public void A_foreign_agent_with_an_association_must_authenticate_the_relay_or_get_132()
    {
        var foreign = new MobilitySecurityAssociation(ForeignSpi, ForeignKey);
        _foreignAgents.Add(ForeignAgentAddress, foreign);
        var registrar = Registrar();
        var now = _clock.GetUtcNow();

        Assert.Equal(RegistrationReplyCode.HomeAgentForeignAgentFailedAuthentication,
            Process(registrar, Request(Registration(now), _node)).Decision.Code);
        var forged = new MobilitySecurityAssociation(ForeignSpi, "wrong"u8);
        Assert.Equal(RegistrationReplyCode.HomeAgentForeignAgentFailedAuthentication,
            Process(registrar, Request(Registration(now.AddTicks(1)), _node, forged)).Decision.Code);
        Assert.Equal(0, _bindings.Count);

        var (decision, reply, bytes) = Process(registrar, Request(Registration(now.AddTicks(2)), _node, foreign));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(BindingChange.Created, decision.Change);
        // The reply carries both authenticators, the foreign agent's last (RFC 5944 sec 3.8.3.2).
        Assert.True(RegistrationReplyMessage.TryCreate(bytes, out var view, out _));
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.ForeignHomeAuthentication, out var fh));
        Assert.True(foreign.Verify(bytes, fh));
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var mh));
        Assert.True(mh.End <= fh.Offset);
    }

    [Fact]
    public void A_replayed_identification_is_denied_with_133_carrying_the_home_agent_time()
    {
        var registrar = Registrar();
        var wire = Request(Registration(_clock.GetUtcNow()), _node);
        Assert.Equal(RegistrationReplyCode.Accepted, Process(registrar, wire).Decision.Code);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var (decision, reply, _) = Process(registrar, wire);
        Assert.Equal(RegistrationReplyCode.HomeAgentIdentificationMismatch, reply.Code);
        Assert.Equal(BindingChange.None, decision.Change);
        // RFC 5944 sec 5.7.1: high-order 32 bits the home agent's clock, low-order 32 bits the request's.
        Assert.Equal(MobileIpTimestamp.Seconds(_clock.GetUtcNow()), (uint)(reply.Identification >> 32));
        Assert.Equal((uint)MobileIpTimestamp.From(_clock.GetUtcNow().AddSeconds(-2)), (uint)reply.Identification);
    }

    [Fact]
    public void An_older_timestamp_than_the_last_accepted_is_denied_with_133()
    {
        var registrar = Registrar();
        var now = _clock.GetUtcNow();
        Assert.Equal(RegistrationReplyCode.Accepted, CodeFor(registrar, Registration(now)));
        Assert.Equal(RegistrationReplyCode.HomeAgentIdentificationMismatch, CodeFor(registrar, Registration(now.AddMilliseconds(-1))));
        Assert.Equal(RegistrationReplyCode.Accepted, CodeFor(registrar, Registration(now.AddMilliseconds(1))));
    }

    [Theory]
    [InlineData(-6.9, RegistrationReplyCode.Accepted)]
    [InlineData(6.9, RegistrationReplyCode.Accepted)]
    [InlineData(-7.5, RegistrationReplyCode.HomeAgentIdentificationMismatch)]
    [InlineData(8, RegistrationReplyCode.HomeAgentIdentificationMismatch)]
    [InlineData(-3600, RegistrationReplyCode.HomeAgentIdentificationMismatch)]
    public void Clock_skew_beyond_the_default_7_s_tolerance_is_denied_with_133(double skewSeconds, RegistrationReplyCode expected)
    {
        var registrar = Registrar();
        var (_, reply, _) = Process(registrar, Request(Registration(_clock.GetUtcNow().AddSeconds(skewSeconds)), _node));
        Assert.Equal(expected, reply.Code);
        Assert.Equal(expected == RegistrationReplyCode.Accepted ? 1 : 0, _bindings.Count);
        if (expected == RegistrationReplyCode.Accepted) return;
        // The node resynchronises from the reply: the home agent's seconds sit in the high-order half.
        Assert.Equal(MobileIpTimestamp.Seconds(_clock.GetUtcNow()), (uint)(reply.Identification >> 32));
    }

    [Fact]
    public void Nonce_protection_hands_out_a_nonce_then_accepts_it_once()
    {
        var nonces = Association(ReplayProtection.Nonces);
        _mobileNodes.Add(SecondHome, nonces);
        var registrar = Registrar();
        var request = Registration(_clock.GetUtcNow(), home: SecondHome) with { Identification = 0x00000000_AAAA0001 };

        // First contact: the node knows no nonce yet. 133, and the reply carries the first one.
        var (_, first, _) = Process(registrar, Request(request, nonces));
        Assert.Equal(RegistrationReplyCode.HomeAgentIdentificationMismatch, first.Code);
        Assert.Equal(0x5EED0000_AAAA0001UL, first.Identification);

        var retry = request with { Identification = 0x5EED0000_AAAA0002 };
        var (decision, second, _) = Process(registrar, Request(retry, nonces));
        Assert.Equal(RegistrationReplyCode.Accepted, second.Code);
        Assert.Equal(BindingChange.Created, decision.Change);
        Assert.Equal(0x5EED0001_AAAA0002UL, second.Identification);

        // The same request again: its nonce was used up.
        var (_, replayed, _) = Process(registrar, Request(retry, nonces));
        Assert.Equal(RegistrationReplyCode.HomeAgentIdentificationMismatch, replayed.Code);
        Assert.Equal(0x5EED0002_AAAA0002UL, replayed.Identification);
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
        Assert.True(RegistrationReplyMessage.TryCreate(bytes, out var view, out _));
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

    private static readonly Ipv4Address NatAddress = Ipv4Address.Parse("192.0.2.5");

    /// <summary>A request relayed through a NAT: it arrives from the NAT's address and a port of its own, not from the care-of address.</summary>
    private static RegistrationAddressing ThroughNat(ushort port = 49152) => new(NatAddress, port, HomeAgentAddress, RegistrationAddressing.Port);

    private static UdpTunnelReplyExtension? UdpReplyIn(byte[] reply)
    {
        Assert.True(RegistrationReplyMessage.TryCreate(reply, out var view, out _));
        if (!view.Extensions.TryFind(MobileIpExtensionType.UdpTunnelReply, out var extension)) return null;
        Assert.True(UdpTunnelReplyExtension.TryParse(extension.Data(reply), out var parsed, out _));
        // RFC 3519 sec 3.2: before the Mobile-Home authenticator, which covers it.
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth) && extension.End <= auth.Offset);
        return parsed;
    }

    /// <summary>RFC 3519 sec 4.6: a source address other than the care-of address means a NAT; the binding is tunnelled in UDP to the mapping.</summary>
    [Fact]
    public void A_request_through_a_nat_gets_a_udp_tunnel_to_the_mapping_and_the_reply_extension()
    {
        var registrar = Registrar();
        var request = Registration(_clock.GetUtcNow(), flags: RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre);
        var (decision, reply, bytes) = Process(registrar, Request(request, _node, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp)), ThroughNat());
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110), UdpReplyIn(bytes));
        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal(TunnelKind.Udp, binding.Encapsulation);
        Assert.Equal((CareOf, NatAddress, (ushort)49152), (binding.CareOfAddress, binding.UdpAddress, binding.UdpPort));
        Assert.Equal(NatAddress, binding.TunnelPeer);
        // The reply goes back to where the request came from: through the NAT's mapping.
        Assert.Equal(new RegistrationAddressing(HomeAgentAddress, 434, NatAddress, 49152), decision.ReplyTo);
    }

    [Fact]
    public void Without_a_nat_the_request_is_tunnelled_as_usual_unless_its_f_flag_forces_udp()
    {
        var registrar = Registrar();
        var plain = Registration(_clock.GetUtcNow(), flags: RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre);
        var (_, reply, bytes) = Process(registrar, Request(plain, _node, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp)));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Null(UdpReplyIn(bytes));
        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal(TunnelKind.Gre, binding.Encapsulation);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var forced = Registration(_clock.GetUtcNow(), flags: RegistrationFlags.ReverseTunnel);
        (_, reply, bytes) = Process(registrar, Request(forced, _node, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp, Force: true)));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.Equal(new UdpTunnelReplyExtension(UdpTunnelReplyExtension.WillTunnel, 110, Force: true), UdpReplyIn(bytes));
        Assert.True(_bindings.TryGetFirst(Home, out binding));
        Assert.Equal((TunnelKind.Udp, ForeignAgentAddress, (ushort)434), (binding.Encapsulation, binding.UdpAddress, binding.UdpPort));
    }

    [Theory]
    [InlineData("udp off", RegistrationReplyCode.HomeAgentUdpEncapsulationUnavailable)]
    [InlineData("minimal inside", RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable)]
    [InlineData("gre inside, gre not offered", RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable)]
    [InlineData("sub-type 1", RegistrationReplyCode.HomeAgentPoorlyFormedRequest)]
    public void A_udp_tunnel_request_the_agent_cannot_serve_is_denied(string case_, RegistrationReplyCode expected)
    {
        var registrar = Registrar(case_ switch
        {
            "udp off" => HomeAgentOptions() with { UdpTunnelling = false },
            "gre inside, gre not offered" => HomeAgentOptions() with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp) },
            _ => null,
        });
        var extension = case_ switch
        {
            "minimal inside" => new UdpTunnelRequestExtension(IpProtocol.MinimalEncapsulation),
            "gre inside, gre not offered" => new UdpTunnelRequestExtension(IpProtocol.Gre),
            "sub-type 1" => new UdpTunnelRequestExtension(IpProtocol.IpInIp, SubType: 1),
            _ => new UdpTunnelRequestExtension(IpProtocol.IpInIp),
        };
        var (decision, reply, _) = Process(registrar, Request(Registration(_clock.GetUtcNow()), _node, udpTunnel: extension), ThroughNat());
        Assert.Equal(expected, reply.Code);
        Assert.Equal(BindingChange.None, decision.Change);
        Assert.False(_bindings.TryGetFirst(Home, out _));
    }
    /// <summary>
    /// RFC 3519 sec 3.1.4: a zero Encapsulation field leaves what the tunnel data carries to the request's M and G bits;
    /// a non-zero one names it by IP protocol number (4 IP in IP, 47 GRE, 55 minimal encapsulation), whatever the bits say.
    /// This agent carries IP in IP and GRE inside UDP, keeps which in the binding, and denies the rest with 139.
    /// </summary>
    [Theory]
    [InlineData(0, RegistrationFlags.None, RegistrationReplyCode.Accepted, IpProtocol.IpInIp)]
    [InlineData(0, RegistrationFlags.Gre, RegistrationReplyCode.Accepted, IpProtocol.Gre)]
    [InlineData(0, RegistrationFlags.MinimalEncapsulation, RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable, (IpProtocol)0)]
    [InlineData(4, RegistrationFlags.Gre, RegistrationReplyCode.Accepted, IpProtocol.IpInIp)]
    [InlineData(47, RegistrationFlags.None, RegistrationReplyCode.Accepted, IpProtocol.Gre)]
    [InlineData(55, RegistrationFlags.None, RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable, (IpProtocol)0)]
    [InlineData(17, RegistrationFlags.None, RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable, (IpProtocol)0)]
    public void Rfc3519_sec_3_1_4_encapsulation_0_defers_to_the_m_and_g_bits(byte encapsulation, RegistrationFlags flags, RegistrationReplyCode expected,
        IpProtocol carries)
    {
        var registrar = Registrar();
        var request = Registration(_clock.GetUtcNow(), flags: RegistrationFlags.ReverseTunnel | flags);
        var (_, reply, bytes) = Process(registrar, Request(request, _node, udpTunnel: new UdpTunnelRequestExtension((IpProtocol)encapsulation)), ThroughNat());
        Assert.Equal(expected, reply.Code);
        Assert.Equal(expected == RegistrationReplyCode.Accepted, UdpReplyIn(bytes) is not null);
        if (expected != RegistrationReplyCode.Accepted)
        {
            Assert.False(_bindings.TryGetFirst(Home, out _));
            return;
        }
        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal((TunnelKind.Udp, carries), (binding.Encapsulation, binding.UdpCarries));
    }
    /// <summary>
    /// The NAT's mapping lapsed (no keepalive got through) and the foreign agent's renewal comes from a new outside port:
    /// the binding follows the latest registration's address and port, and so do the reply and the tunnel.
    /// </summary>
    [Fact]
    public void A_renewal_through_a_new_nat_mapping_moves_the_binding_to_the_new_port()
    {
        var registrar = Registrar();
        var first = Registration(_clock.GetUtcNow());
        Process(registrar, Request(first, _node, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp)), ThroughNat(49152));
        _clock.Advance(TimeSpan.FromSeconds(200));
        var renewal = Registration(_clock.GetUtcNow());
        var (decision, reply, _) = Process(registrar, Request(renewal, _node, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp)), ThroughNat(49153));
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal((NatAddress, (ushort)49153), (binding.UdpAddress, binding.UdpPort));
        Assert.Equal(new RegistrationAddressing(HomeAgentAddress, 434, NatAddress, 49153), decision.ReplyTo);
        Assert.NotEqual(BindingChange.None, decision.Change);
    }
}

