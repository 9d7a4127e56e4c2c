namespace NetMobility.Replay;

/// <summary>
/// The Mobile IP agents as roles of a replayed node (docs/replay.md): <c>home-agent</c> and <c>foreign-agent</c>, and
/// <c>nat</c>, the NAPT in front of a foreign site that RFC 3519 UDP tunnelling gets through.
/// </summary>
public static class MobilityRoles
{
    /// <summary>Adds both agents and the NAT to <paramref name="roles"/> and returns it, for the program that composes a replay.</summary>
    public static ReplayRoles AddTo(ReplayRoles roles)
    {
        roles.Register(HomeAgentRole.Type, HomeAgentRole.Create);
        roles.Register(ForeignAgentRole.Type, ForeignAgentRole.Create);
        roles.Register(NatRole.Type, NatRole.Create);
        return roles;
    }
}
