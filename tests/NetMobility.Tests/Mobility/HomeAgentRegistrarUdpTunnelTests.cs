using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

/// <summary>The home agent's registrar: Mobile IP UDP tunnelling through NATs (RFC 3519).</summary>
public class HomeAgentRegistrarUdpTunnelTests : HomeAgentRegistrarFixture
{
    private static readonly Ipv4Address NatAddress = Ipv4Address.Parse("192.0.2.5");

    /// <summary>A request relayed through a NAT: it arrives from the NAT's address and a port of its own, not from the care-of address.</summary>
    private static RegistrationAddressing ThroughNat(ushort port = 49152) => new(NatAddress, port, HomeAgentAddress, RegistrationAddressing.Port);

    private static UdpTunnelReplyExtension? UdpReplyIn(byte[] reply)
    {
        Assert.True(RegistrationReplyPacket.TryCreate(reply, out var view, out _));
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
    [InlineData("minimal inside, minimal not offered", RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable)]
    [InlineData("gre inside, gre not offered", RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable)]
    [InlineData("sub-type 1", RegistrationReplyCode.HomeAgentPoorlyFormedRequest)]
    public void A_udp_tunnel_request_the_agent_cannot_serve_is_denied(string case_, RegistrationReplyCode expected)
    {
        var registrar = Registrar(case_ switch
        {
            "udp off" => HomeAgentOptions() with { UdpTunnelling = false },
            "gre inside, gre not offered" => HomeAgentOptions() with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp) },
            "minimal inside, minimal not offered" => HomeAgentOptions() with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp, TunnelKind.Gre) },
            _ => null,
        });
        var extension = case_ switch
        {
            "minimal inside, minimal not offered" => new UdpTunnelRequestExtension(IpProtocol.MinimalEncapsulation),
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
    /// This agent carries each kind it offers inside UDP (minimal encapsulation too: the field and sec 3.3's Next Header
    /// list 55), keeps which in the binding, and denies the rest with 139.
    /// </summary>
    [Theory]
    [InlineData(0, RegistrationFlags.None, RegistrationReplyCode.Accepted, IpProtocol.IpInIp)]
    [InlineData(0, RegistrationFlags.Gre, RegistrationReplyCode.Accepted, IpProtocol.Gre)]
    [InlineData(0, RegistrationFlags.MinimalEncapsulation, RegistrationReplyCode.Accepted, IpProtocol.MinimalEncapsulation)]
    [InlineData(4, RegistrationFlags.Gre, RegistrationReplyCode.Accepted, IpProtocol.IpInIp)]
    [InlineData(47, RegistrationFlags.None, RegistrationReplyCode.Accepted, IpProtocol.Gre)]
    [InlineData(55, RegistrationFlags.None, RegistrationReplyCode.Accepted, IpProtocol.MinimalEncapsulation)]
    [InlineData(55, RegistrationFlags.Gre, RegistrationReplyCode.Accepted, IpProtocol.MinimalEncapsulation)]
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
    /// RFC 3519 sec 3.1.4: granted UDP tunnelling carries what the Encapsulation field names, so M asking for minimal
    /// encapsulation, which this agent does not offer, is no reason for 139 when the field names IP in IP; without the
    /// extension the same M is.
    /// </summary>
    [Fact]
    public void Rfc3519_sec_3_1_4_the_encapsulation_field_not_the_m_bit_decides_inside_udp()
    {
        var registrar = Registrar(HomeAgentOptions() with { Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp, TunnelKind.Gre) });
        var request = Registration(_clock.GetUtcNow(), flags: RegistrationFlags.ReverseTunnel | RegistrationFlags.MinimalEncapsulation);
        var (_, reply, _) = Process(registrar, Request(request, _node, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp)), ThroughNat());
        Assert.Equal(RegistrationReplyCode.Accepted, reply.Code);
        Assert.True(_bindings.TryGetFirst(Home, out var binding));
        Assert.Equal((TunnelKind.Udp, IpProtocol.IpInIp), (binding.Encapsulation, binding.UdpCarries));

        _clock.Advance(TimeSpan.FromSeconds(1));
        var plain = Registration(_clock.GetUtcNow(), flags: RegistrationFlags.ReverseTunnel | RegistrationFlags.MinimalEncapsulation);
        (_, reply, _) = Process(registrar, Request(plain, _node));
        Assert.Equal(RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable, reply.Code);
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
