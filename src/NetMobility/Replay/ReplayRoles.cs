using NetMobility.Configuration;
using NetMobility.Net;
using NetMobility.Tunnels;

namespace NetMobility.Replay;

/// <summary>What a role is given to act on: the node built from the configuration, its tunnels, and its interfaces by name.</summary>
public sealed record ReplayNodeContext(Node Node, NodeTunnels Tunnels, IReadOnlyDictionary<string, NetInterface> Interfaces)
{
    private readonly HashSet<(string Role, NetInterface Interface)> _taken = [];

    /// <summary>
    /// Gives <paramref name="iface"/> to a role of type <paramref name="role"/>; false when a role of that type already
    /// has it (two home agents answering for one home link would fight over its bindings and proxy ARP).
    /// </summary>
    public bool Take(string role, NetInterface iface) => _taken.Add((role, iface));
}

/// <summary>
/// Builds one role of a replayed node from its configuration object (the object's <c>type</c> selected it);
/// the role lives until the replay ends and is then disposed. Throw <see cref="ConfigException"/> (through
/// <see cref="ConfigElement.Error"/>) for bad settings.
/// </summary>
public delegate IDisposable ReplayRoleFactory(ConfigElement config, ReplayNodeContext context);

/// <summary>
/// The roles a replayed node can take on besides plain host or router: each entry of the configuration's
/// <c>node.roles</c> names a type registered here (a Mobile IP home or foreign agent, for one) and carries
/// that role's settings. The program that composes a replay fills its catalogue (<see cref="MobilityRoles.AddTo"/>
/// for the agents) and hands it to <see cref="Replayer.Run"/>; there is no global registry.
/// </summary>
public sealed class ReplayRoles
{
    private readonly Dictionary<string, ReplayRoleFactory> _factories = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="type"/> usable in <c>node.roles</c>; a type registered twice keeps its first factory and returns false.</summary>
    public bool Register(string type, ReplayRoleFactory factory) => _factories.TryAdd(type, factory);

    public IReadOnlyCollection<string> Types => _factories.Keys;

    internal IDisposable Create(ConfigElement config, ReplayNodeContext context)
    {
        var typeField = config.Get("type");
        string type = typeField.AsString();
        if (!_factories.TryGetValue(type, out var factory))
        {
            string known = _factories.Count == 0 ? "none is registered" : "known: " + string.Join(", ", _factories.Keys.Order());
            throw typeField.Error($"'{type}' is not a role type ({known})");
        }
        return factory(config, context);
    }
}
