using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

/// <summary>The home agent's registrar: authentication (RFC 5944 sec 3.5, codes 131 and 132) and replay protection (sec 5.7, code 133).</summary>
public class HomeAgentRegistrarAuthenticationTests : HomeAgentRegistrarFixture
{
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
        Assert.True(RegistrationReplyPacket.TryCreate(bytes, out var view, out _));
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
        Assert.True(RegistrationReplyPacket.TryCreate(bytes, out var view, out _));
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
}
