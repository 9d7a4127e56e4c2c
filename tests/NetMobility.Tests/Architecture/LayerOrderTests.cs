using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Tests.Architecture;

/// <summary>
/// Keeps the design's layer order (README, Layout): a type may refer to types of its own folder and of the
/// folders below it, never above and never sideways to a folder on its own row (Mobility and Migration know
/// nothing of each other). The folder is the namespace's second part: <c>NetMobility.Tunnels.Gre...</c> is Tunnels.
/// </summary>
public class LayerOrderTests
{
    /// <summary>Bottom up; folders that share a rank are siblings that must not refer to each other.</summary>
    internal static readonly IReadOnlyDictionary<string, int> Rank = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["Wire"] = 0,
        ["Files"] = 0,
        ["Runtime"] = 1,
        ["Configuration"] = 1,
        ["Capture"] = 2,
        ["Links"] = 3,
        ["Dissect"] = 3,
        ["Net"] = 4,
        ["Tunnels"] = 5,
        ["Mobility"] = 7,
        ["Migration"] = 7,
        ["Replay"] = 8,
        ["Lab"] = 8,
        ["Testbed"] = 8,
        ["Host"] = 9,
        ["Scenario"] = 9,
        ["Cli"] = 10,
    };

    /// <summary>Pairs the rule allows across ranks that are not plain downward references.</summary>
    private static readonly HashSet<(string From, string To)> Allowed = [];

    internal static string? Folder(Type type)
    {
        var ns = type.Namespace;
        if (ns is null || !ns.StartsWith("NetMobility.", StringComparison.Ordinal)) return null;
        var rest = ns["NetMobility.".Length..];
        int dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    internal static IEnumerable<string> Violations(IEnumerable<Type> types)
    {
        foreach (var type in types.Where(t => !t.IsNested))
        {
            if (Folder(type) is not { } from) continue;
            if (!Rank.TryGetValue(from, out int fromRank)) { yield return $"{type.FullName}: folder {from} has no place in the layer order"; continue; }
            foreach (var to in TypeReferences.Of(type).Select(t => (Type: t, Folder: Folder(t))).Where(r => r.Folder is not null && r.Folder != from)
                         .GroupBy(r => r.Folder!).Select(g => (Folder: g.Key, Example: g.First().Type)))
            {
                if (!Rank.TryGetValue(to.Folder, out int toRank)) continue; // reported where it is declared
                if (toRank < fromRank || Allowed.Contains((from, to.Folder))) continue;
                yield return $"{type.FullName} ({from}) refers to {to.Example.FullName} ({to.Folder})";
            }
        }
    }

    [Fact]
    public void No_type_refers_to_a_folder_above_or_beside_its_own()
    {
        var types = typeof(Ipv4Address).Assembly.GetTypes().Concat(typeof(NetMobility.Cli.CliApp).Assembly.GetTypes());
        var violations = Violations(types).Order().ToList();
        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void References_are_found_in_signatures_and_in_method_bodies()
    {
        var references = TypeReferences.Of(typeof(Node)).ToHashSet();
        Assert.Contains(typeof(EventLoop), references);      // a constructor parameter
        Assert.Contains(typeof(NodeCounters), references);   // a property
        Assert.Contains(typeof(PacketHook), references);     // a field's element type
        var probe = TypeReferences.Of(typeof(NetMobility.Wire.LayerProbe.HeaderThatKnowsATunnel)).ToHashSet();
        Assert.Contains(typeof(NetMobility.Tunnels.GreTunnelOptions), probe); // only inside a method body
    }

    [Fact]
    public void A_wire_type_that_uses_a_tunnel_type_is_reported()
    {
        var violations = Violations([typeof(NetMobility.Wire.LayerProbe.HeaderThatKnowsATunnel)]).ToList();
        var violation = Assert.Single(violations);
        Assert.Contains("(Wire) refers to NetMobility.Tunnels.", violation);
        Assert.Contains("(Tunnels)", violation);
        Assert.Empty(Violations([typeof(NetMobility.Wire.LayerProbe.HeaderThatKnowsOnlyWire)]));
    }
}
