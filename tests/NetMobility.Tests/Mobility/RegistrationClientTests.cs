using NetMobility.Mobility;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

public class RegistrationClientTests
{
    private readonly ManualTimeProvider _clock = Clock();
    private readonly ClientHost _host = new();

    private sealed class ClientHost : IRegistrationClientHost
    {
        public List<(RegistrationAddressing To, byte[] Message)> Requests { get; } = [];
        public List<(Ipv4Address Source, MacAddress Mac, byte[] Icmp)> Solicitations { get; } = [];

        public void SendRegistration(in RegistrationAddressing addressing, ReadOnlySpan<byte> message) => Requests.Add((addressing, message.ToArray()));

        public void SendSolicitation(Ipv4Address source, MacAddress linkSource, ReadOnlySpan<byte> icmpMessage) =>
            Solicitations.Add((source, linkSource, icmpMessage.ToArray()));
    }

    private static RegistrationClientOptions Options(MobilitySecurityAssociation? association = null) => new()
    {
        HomeAddress = Home,
        HomeAgent = HomeAgentAddress,
        Mac = VmMac,
        Association = association ?? Association(),
        Lifetime = 300,
        Flags = RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre,
        NonceSource = Counter(0xC0FFEE00),
    };

    private static byte[] Advertisement(ushort sequence = 0, ForeignAgentOptions? options = null, bool busy = false)
    {
        options ??= new ForeignAgentOptions { Address = ForeignAgentOnLink, CareOfAddress = CareOf, MaxLifetime = 200 };
        var advertiser = new AgentAdvertiser(options, new RecordingSender(), () => busy, new ManualTimeProvider());
        var buffer = new byte[64];
        return buffer[..advertiser.Write(buffer, sequence)];
    }

    private RegistrationClient Registering(RegistrationClientOptions? options = null)
    {
        var client = new RegistrationClient(options ?? Options(), _host, _clock);
        client.MovedAway();
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement());
        return client;
    }

    private (RegistrationRequest Request, byte[] Bytes) LastRequest()
    {
        var bytes = _host.Requests[^1].Message;
        Assert.True(RegistrationRequest.TryParse(bytes, out var request, out _, out _));
        return (request, bytes);
    }

    private static byte[] Reply(in RegistrationRequest request, RegistrationReplyCode code, ushort lifetime, MobilitySecurityAssociation? association, ulong? identification = null)
    {
        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(new RegistrationReply(code, lifetime, request.HomeAddress, HomeAgentAddress, identification ?? request.Identification));
        association?.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        return writer.Written.ToArray();
    }

    private static RegistrationAddressing ToVm => new(ForeignAgentOnLink, 434, Home, 434, 255, ForeignAgentMac, VmMac);

    [Fact]
    public void After_a_move_it_solicits_at_once_then_with_a_doubling_interval()
    {
        using var client = new RegistrationClient(Options(), _host, _clock);
        client.MovedAway();
        Assert.Equal(RegistrationState.Discovering, client.State);
        _clock.Advance(TimeSpan.FromSeconds(7.5));
        Assert.Equal(4, _host.Solicitations.Count); // at 0, 1, 3 and 7 s
        var (source, mac, icmp) = _host.Solicitations[0];
        Assert.Equal(Home, source);
        Assert.Equal(VmMac, mac);
        Assert.True(Icmpv4Packet.TryCreate(icmp, ChecksumPolicy.Verify, out var packet, out _));
        Assert.Equal(Icmpv4Type.RouterSolicitation, packet.Type);
    }

    [Fact]
    public void An_advertisement_starts_a_registration_through_that_agent_with_ttl_255()
    {
        var options = Options();
        using var client = Registering(options);
        Assert.Equal(RegistrationState.Registering, client.State);
        Assert.Equal(new ForeignAgentInfo(ForeignAgentOnLink, ForeignAgentMac, CareOf, 200,
            MobilityAgentFlags.ForeignAgent | MobilityAgentFlags.RegistrationRequired | MobilityAgentFlags.MinimalEncapsulation
            | MobilityAgentFlags.GreEncapsulation | MobilityAgentFlags.ReverseTunneling, 0), client.Agent);

        var (to, _) = _host.Requests.Single();
        Assert.Equal(new RegistrationAddressing(Home, 434, ForeignAgentOnLink, 434, 255, VmMac, ForeignAgentMac), to);
        var (request, bytes) = LastRequest();
        // The lifetime is cut to what the agent advertises (200 < 300).
        Assert.Equal(new RegistrationRequest(RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre, 200, Home, HomeAgentAddress, CareOf,
            MobileIpTimestamp.From(_clock.GetUtcNow())), request);
        Assert.True(RegistrationRequestPacket.TryCreate(bytes, out var view, out _));
        Assert.True(view.Extensions.TryFind(MobileIpExtensionType.MobileHomeAuthentication, out var auth));
        Assert.True(options.Association.Verify(bytes, auth));
    }

    [Fact]
    public void Flags_the_agent_does_not_advertise_are_not_asked_for_and_a_busy_agent_is_left_alone()
    {
        using var client = new RegistrationClient(Options(), _host, _clock);
        client.MovedAway();
        var plain = new ForeignAgentOptions { Address = ForeignAgentOnLink, CareOfAddress = CareOf, Encapsulations = TunnelKindSet.Of(TunnelKind.IpInIp), ReverseTunnel = ReverseTunnelPolicy.Unavailable };
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement(0, plain, busy: true));
        Assert.Empty(_host.Requests);
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement(1, plain));
        Assert.Equal(RegistrationFlags.None, LastRequest().Request.Flags);
    }

    [Fact]
    public void Retransmits_with_a_doubling_timeout_up_to_the_maximum()
    {
        using var client = Registering();
        _clock.Advance(TimeSpan.FromSeconds(48));
        var sent = _host.Requests.Select(r => MobileIpTimestamp.Offset(RegistrationRequestPacketIdentification(r.Message), _clock.GetUtcNow().AddSeconds(-48)).TotalSeconds);
        Assert.Equal([0, 1, 3, 7, 15, 31, 47], sent.Select(s => Math.Round(s)));
        Assert.Equal(6, client.Retransmissions);
        // Each retransmission is a new request with a fresh identification.
        Assert.Equal(7, _host.Requests.Select(r => RegistrationRequestPacketIdentification(r.Message)).Distinct().Count());
    }

    private static ulong RegistrationRequestPacketIdentification(byte[] message)
    {
        Assert.True(RegistrationRequest.TryParse(message, out var request, out _, out _));
        return request.Identification;
    }

    [Fact]
    public void An_accepted_reply_registers_and_the_registration_is_renewed_before_it_ends()
    {
        var options = Options();
        using var client = Registering(options);
        var sentAt = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMilliseconds(40));
        var (request, _) = LastRequest();
        Assert.True(client.OnReply(Reply(request, RegistrationReplyCode.Accepted, 100, options.Association), ToVm));
        Assert.Equal(RegistrationState.Registered, client.State);
        Assert.Equal(100, client.GrantedLifetime);
        Assert.Equal(sentAt.AddSeconds(100), client.RegisteredUntil);

        _clock.Advance(TimeSpan.FromSeconds(79.9));
        Assert.Single(_host.Requests);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(2, _host.Requests.Count);
        Assert.Equal(RegistrationState.Registering, client.State);
        // 80 % of the lifetime, counted from when the first request went out.
        Assert.Equal(MobileIpTimestamp.From(sentAt.AddSeconds(80)), LastRequest().Request.Identification);
    }

    [Fact]
    public void Replies_for_another_request_or_without_a_valid_authenticator_are_dropped()
    {
        var options = Options();
        using var client = Registering(options);
        var (request, _) = LastRequest();
        Assert.False(client.OnReply(Reply(request with { Identification = request.Identification + 1 }, RegistrationReplyCode.Accepted, 100, options.Association), ToVm));
        Assert.False(client.OnReply(Reply(request, RegistrationReplyCode.Accepted, 100, new MobilitySecurityAssociation(Spi, "forged"u8)), ToVm));
        Assert.False(client.OnReply(Reply(request, RegistrationReplyCode.Accepted, 100, association: null), ToVm));
        Assert.Equal(RegistrationState.Registering, client.State);
        Assert.Equal(3, client.RepliesDropped);
    }

    [Fact]
    public void A_133_with_the_home_agents_time_resynchronises_the_clock_and_the_next_request_is_accepted()
    {
        // The hypervisor's clock runs 30 s behind the home agent's: beyond the 7 s tolerance.
        var homeClock = Clock();
        var clientClock = new ManualTimeProvider(homeClock.GetUtcNow().AddSeconds(-30));
        var (registrar, haAssociation) = HomeAgentWith(Association(), homeClock);
        var options = Options();
        using var client = new RegistrationClient(options, _host, clientClock);
        client.MovedAway();
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement());

        var first = Answer(registrar, _host.Requests[^1].Message);
        Assert.Equal(RegistrationReplyCode.HomeAgentIdentificationMismatch, first.Code);
        Assert.True(client.OnReply(first.Bytes, ToVm));
        Assert.Equal(TimeSpan.FromSeconds(30), client.ClockOffset);
        Assert.Equal(2, _host.Requests.Count); // sent again at once

        var second = Answer(registrar, _host.Requests[^1].Message);
        Assert.Equal(RegistrationReplyCode.Accepted, second.Code);
        Assert.True(client.OnReply(second.Bytes, ToVm));
        Assert.Equal(RegistrationState.Registered, client.State);
        Assert.NotNull(haAssociation.LastAccepted);
    }

    [Fact]
    public void Nonce_protection_learns_the_home_agent_nonce_from_133_and_uses_the_next_one_for_renewals()
    {
        var (registrar, _) = HomeAgentWith(Association(ReplayProtection.Nonces), _clock);
        using var client = Registering(Options(Association(ReplayProtection.Nonces)));
        var first = Answer(registrar, _host.Requests[^1].Message);
        Assert.Equal(RegistrationReplyCode.HomeAgentIdentificationMismatch, first.Code);
        client.OnReply(first.Bytes, ToVm);
        Assert.Equal(0x5EED0000u, (uint)(LastRequest().Request.Identification >> 32));

        var second = Answer(registrar, _host.Requests[^1].Message);
        Assert.Equal(RegistrationReplyCode.Accepted, second.Code);
        client.OnReply(second.Bytes, ToVm);
        Assert.Equal(RegistrationState.Registered, client.State);

        _clock.Advance(TimeSpan.FromSeconds(200 * 0.8));
        Assert.Equal(0x5EED0001u, (uint)(LastRequest().Request.Identification >> 32));
        var renewal = Answer(registrar, _host.Requests[^1].Message);
        Assert.Equal(RegistrationReplyCode.Accepted, renewal.Code);
        Assert.True(client.OnReply(renewal.Bytes, ToVm));
    }

    [Fact]
    public void A_69_from_the_foreign_agent_is_retried_with_the_lifetime_it_names()
    {
        using var client = Registering();
        var (request, _) = LastRequest();
        Assert.True(client.OnReply(Reply(request, RegistrationReplyCode.ForeignAgentRequestedLifetimeTooLong, 60, association: null), ToVm));
        Assert.Equal(60, LastRequest().Request.Lifetime);
        Assert.Equal(RegistrationState.Registering, client.State);
    }

    [Fact]
    public void A_denial_retrying_cannot_fix_stops_the_client_and_a_passing_one_does_not()
    {
        var options = Options();
        using var client = Registering(options);
        var (request, _) = LastRequest();
        Assert.True(client.OnReply(Reply(request, RegistrationReplyCode.ForeignAgentRegistrationTimeout, 0, association: null), ToVm));
        Assert.Equal(RegistrationState.Registering, client.State);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _host.Requests.Count);

        (request, _) = LastRequest();
        Assert.True(client.OnReply(Reply(request, RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable, 0, options.Association), ToVm));
        Assert.Equal(RegistrationState.Denied, client.State);
        Assert.Equal(RegistrationReplyCode.HomeAgentRequestedEncapsulationUnavailable, client.LastCode);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, _host.Requests.Count);
    }

    [Fact]
    public void Back_home_it_deregisters_straight_with_the_home_agent()
    {
        var (registrar, _) = HomeAgentWith(Association(), _clock);
        var options = Options();
        using var client = Registering(options);
        var accepted = Answer(registrar, _host.Requests[^1].Message);
        client.OnReply(accepted.Bytes, ToVm);
        Assert.Equal(RegistrationState.Registered, client.State);

        _clock.Advance(TimeSpan.FromSeconds(10));
        client.ReturnedHome();
        Assert.Equal(RegistrationState.Deregistering, client.State);
        var (to, _) = _host.Requests[^1];
        Assert.Equal(new RegistrationAddressing(Home, 434, HomeAgentAddress, 434, 64, VmMac, null), to);
        var (request, _) = LastRequest();
        Assert.Equal(0, request.Lifetime);
        Assert.Equal(Home, request.CareOfAddress);

        var done = Answer(registrar, _host.Requests[^1].Message);
        Assert.Equal(RegistrationReplyCode.Accepted, done.Code);
        Assert.True(client.OnReply(done.Bytes, new RegistrationAddressing(HomeAgentAddress, 434, Home, 434)));
        Assert.Equal(RegistrationState.AtHome, client.State);
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2, _host.Requests.Count); // no renewal, no retransmission
    }

    [Fact]
    public void An_agent_that_restarted_is_registered_with_again()
    {
        var options = Options();
        using var client = new RegistrationClient(options, _host, _clock);
        client.MovedAway();
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement(700));
        var (request, _) = LastRequest();
        client.OnReply(Reply(request, RegistrationReplyCode.Accepted, 200, options.Association), ToVm);
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement(701));
        Assert.Single(_host.Requests);
        client.OnAdvertisement(ForeignAgentOnLink, ForeignAgentMac, Advertisement(0)); // rebooted: the sequence starts again
        Assert.Equal(2, _host.Requests.Count);
        Assert.Equal(RegistrationState.Registering, client.State);
    }

    private static (HomeAgentRegistrar Registrar, MobilitySecurityAssociation Association) HomeAgentWith(MobilitySecurityAssociation association, TimeProvider clock)
    {
        var nodes = new SecurityAssociationTable();
        nodes.Add(Home, association);
        return (new HomeAgentRegistrar(HomeAgentOptions(), nodes, new SecurityAssociationTable(), new BindingTable(), clock), association);
    }

    private static (RegistrationReplyCode Code, byte[] Bytes) Answer(HomeAgentRegistrar registrar, byte[] request)
    {
        var reply = new byte[HomeAgentRegistrar.MaxReplyLength];
        Assert.True(registrar.TryProcess(request, new RegistrationAddressing(Home, 434, HomeAgentAddress, 434), reply, out var decision));
        return (decision.Code, reply[..decision.ReplyLength]);
    }
}
