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

/// <summary>
/// What the foreign agent relay tests share: a manual clock, a recording sender, the visitor's security association and
/// the association tables, a relay made from them, and the requests and replies as a visitor and a home agent send them.
/// </summary>
public abstract class ForeignAgentRelayFixture
{
    private protected readonly ManualTimeProvider _clock = Clock();
    private protected readonly RecordingSender _sender = new();
    private protected readonly MobilitySecurityAssociation _node = Association();
    private protected readonly SecurityAssociationTable _mobileNodes = new();
    private protected readonly SecurityAssociationTable _homeAgents = new();

    private protected static ForeignAgentOptions Options() => new() { Address = ForeignAgentOnLink, CareOfAddress = CareOf };

    private protected ForeignAgentRelay Relay(ForeignAgentOptions? options = null) =>
        new(options ?? Options(), _mobileNodes, _homeAgents, _sender, _clock);

    /// <summary>How the hypervisor sends for the VM: from the home address and VM MAC, to the agent, TTL 255.</summary>
    private protected static RegistrationAddressing FromVisitor(byte ttl = 255) =>
        new(Home, 434, ForeignAgentOnLink, 434, ttl, LinkSource: VmMac, LinkDestination: ForeignAgentMac);

    private protected RegistrationRequest Request(RegistrationFlags flags = RegistrationFlags.ReverseTunnel, ushort lifetime = 300, Ipv4Address? careOf = null) =>
        Registration(_clock.GetUtcNow(), lifetime, flags, careOf: careOf);

    private protected RelayOutcome Send(ForeignAgentRelay relay, in RegistrationRequest request, byte ttl = 255, bool deliveryStyle = false) =>
        relay.OnRequest(MobilityFixtures.Request(request, _node, deliveryStyle: deliveryStyle), FromVisitor(ttl));

    /// <summary>The home agent's reply to the request the relay sent on, built as a home agent would.</summary>
    private protected byte[] HomeReply(in RegistrationRequest request, RegistrationReplyCode code, ushort lifetime, MobilitySecurityAssociation? foreignHome = null)
    {
        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(new RegistrationReply(code, lifetime, request.HomeAddress, HomeAgentAddress, request.Identification));
        _node.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        foreignHome?.Authenticate(ref writer, MobileIpExtensionType.ForeignHomeAuthentication);
        return writer.Written.ToArray();
    }

    private protected static RegistrationAddressing FromHomeAgent => new(HomeAgentAddress, 434, CareOf, 434);

    private protected RegistrationReply DenialSentToVisitor(RegistrationReplyCode expected)
    {
        var (to, message) = _sender.TakeSingle();
        Assert.Equal(new RegistrationAddressing(ForeignAgentOnLink, 434, Home, 434, 255, null, VmMac), to);
        Assert.True(RegistrationReply.TryParse(message, out var reply, out _, out _));
        Assert.Equal(expected, reply.Code);
        return reply;
    }
}
