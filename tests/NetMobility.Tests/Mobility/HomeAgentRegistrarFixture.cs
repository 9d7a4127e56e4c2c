using NetMobility.Runtime;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityFixtures;

namespace NetMobility.Tests.Mobility;

/// <summary>
/// What the home agent registrar tests share: a manual clock, the mobile node's security association, the association
/// tables and the binding table, and a registrar made from them.
/// </summary>
public abstract class HomeAgentRegistrarFixture
{
    private protected readonly ManualTimeProvider _clock = Clock();
    private protected readonly MobilitySecurityAssociation _node = Association();
    private protected readonly SecurityAssociationTable _mobileNodes = new();
    private protected readonly SecurityAssociationTable _foreignAgents = new();
    private protected BindingTable _bindings = new();

    private protected HomeAgentRegistrarFixture() => _mobileNodes.Add(Home, _node);

    private protected HomeAgentRegistrar Registrar(HomeAgentOptions? options = null, int tunnelUnderlayMtu = 1500)
    {
        options ??= HomeAgentOptions();
        _bindings = new BindingTable(options.BindingCapacity, options.MaxSimultaneousBindings);
        return new HomeAgentRegistrar(options, _mobileNodes, _foreignAgents, _bindings, _clock, tunnelUnderlayMtu);
    }

    /// <summary>Runs one request through a registrar and parses the reply it wrote.</summary>
    private protected static (HomeAgentDecision Decision, RegistrationReply Reply, byte[] Bytes) Process(HomeAgentRegistrar registrar, byte[] request, RegistrationAddressing? from = null)
    {
        var buffer = Hex.Poisoned(HomeAgentRegistrar.MaxReplyLength);
        Assert.True(registrar.TryProcess(request, from ?? FromForeignAgent(), buffer, out var decision));
        var bytes = buffer[..decision.ReplyLength];
        Assert.True(RegistrationReply.TryParse(bytes, out var reply, out _, out _));
        Assert.Equal(decision.Code, reply.Code);
        return (decision, reply, bytes);
    }

    private protected RegistrationReplyCode CodeFor(HomeAgentRegistrar registrar, in RegistrationRequest request) =>
        Process(registrar, Request(request, _node)).Decision.Code;
}
