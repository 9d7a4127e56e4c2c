using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace NetMobility.Replay;

/// <summary>
/// The Mobile IP agents as roles of a replayed node (docs/replay.md): <c>home-agent</c> and <c>foreign-agent</c>.
/// Registered when the library loads, so every replay (the command, the tests) knows them.
/// </summary>
internal static class MobilityRoles
{
    // The roles belong to this library and register into its own registry: nothing outside it has to remember to.
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The library fills its own registry of replay roles when it loads.")]
    internal static void Register()
    {
        ReplayRoles.Register(HomeAgentRole.Type, HomeAgentRole.Create);
        ReplayRoles.Register(ForeignAgentRole.Type, ForeignAgentRole.Create);
    }
}
