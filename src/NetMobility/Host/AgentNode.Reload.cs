using System.Text.Json;
using NetMobility.Configuration;
using NetMobility.Mobility.Foreign;
using NetMobility.Replay;

namespace NetMobility.Host;

public sealed partial class AgentNode
{
    private static readonly string[] AdvertisementFields =
        ["advertisementIntervalMs", "advertisementLifetime", "advertisementDestination", "registrationRequired", "foreignAgentService", "alsoHomeAgent",
            "busy", "udpTunnelling"];

    /// <summary>
    /// Takes a new, checked configuration while running (SIGHUP), without dropping a binding, a visitor or a link: the
    /// foreign agent's advertisement settings are applied in place; any other change (interfaces, routes, tunnels, other
    /// role settings, VMs, control socket, capture) is logged as needing a restart and left as it runs. Returns what
    /// was applied, for the log.
    /// </summary>
    public string Reload(AgentConfig next)
    {
        var restart = new List<string>();
        var applied = new List<string>();
        foreach (var field in new[] { "vms", "control", "capture" })
            if (Raw(Config.Root, field) != Raw(next.Root, field)) restart.Add(field);
        foreach (var property in Union(Config.Node, next.Node))
            if (property != "roles" && Raw(Config.Node, property) != Raw(next.Node, property)) restart.Add($"node.{property}");

        var oldRoles = Config.Node.Items("roles");
        var newRoles = next.Node.Items("roles");
        if (oldRoles.Count != newRoles.Count) restart.Add("node.roles (added or removed)");
        else
        {
            for (int i = 0; i < oldRoles.Count; i++)
            {
                var (before, after) = (oldRoles[i], newRoles[i]);
                if (Raw(before, "type") != Raw(after, "type"))
                {
                    restart.Add($"{after.Path}.type");
                    continue;
                }
                foreach (var property in Union(before, after))
                {
                    if (Raw(before, property) == Raw(after, property)) continue;
                    if (after.Get("type").AsString() == "foreign-agent" && AdvertisementFields.Contains(property) && ForeignAgent is not null) continue;
                    restart.Add($"{after.Path}.{property}");
                }
                if (after.Get("type").AsString() == "foreign-agent" && ForeignAgent is { } foreign
                    && AdvertisementFields.Any(f => Raw(before, f) != Raw(after, f)))
                    applied.Add(ChangeAdvertisement(foreign, after));
            }
        }
        if (restart.Count > 0) AgentLog.ReloadNeedsRestart(_log, string.Join(", ", restart));
        // The running configuration takes what was applied; what was not stays as it runs, and is reported again next time.
        if (restart.Count == 0) Config = next;
        string summary = applied.Count == 0 ? "nothing changed that applies while running" : string.Join("; ", applied);
        AgentLog.Reloaded(_log, summary);
        Changed();
        return summary;
    }

    private static string ChangeAdvertisement(ForeignAgent agent, ConfigElement role)
    {
        var options = agent.Advertiser.Options;
        var defaults = new ForeignAgentOptions { Address = options.Address, CareOfAddress = options.CareOfAddress };
        var interval = role.TryGet("advertisementIntervalMs", out var i) ? MobilityConfig.ReadAdvertisementInterval(i) : defaults.AdvertisementInterval;
        options = options with
        {
            AdvertisementInterval = interval,
            AdvertisementLifetime = role.TryGet("advertisementLifetime", out var life)
                ? MobilityConfig.ReadAdvertisementLifetime(life, interval) : ForeignAgentRole.DefaultLifetime(interval),
            AdvertisementDestination = role.TryGet("advertisementDestination", out var d) ? d.AsAddress() : defaults.AdvertisementDestination,
            RegistrationRequired = role.TryGet("registrationRequired", out var r) ? r.AsBool() : defaults.RegistrationRequired,
            ForeignAgentService = role.TryGet("foreignAgentService", out var f) ? f.AsBool() : defaults.ForeignAgentService,
            AlsoHomeAgent = role.TryGet("alsoHomeAgent", out var h) ? h.AsBool() : defaults.AlsoHomeAgent,
            Busy = role.TryGet("busy", out var b) ? b.AsBool() : defaults.Busy,
            AdvertiseUdpTunnelling = role.TryGet("udpTunnelling", out var u) ? u.AsBool() : defaults.AdvertiseUdpTunnelling,
        };
        agent.ChangeAdvertisement(options);
        return $"foreign agent advertises every {options.AdvertisementInterval.TotalMilliseconds:0} ms, lifetime {options.AdvertisementLifetime} s, to {options.AdvertisementDestination}, flags {agent.Advertiser.Flags}";
    }

    private static IEnumerable<string> Union(ConfigElement a, ConfigElement b)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var e in new[] { a, b })
            if (e.Element.ValueKind == JsonValueKind.Object)
                foreach (var p in e.Element.EnumerateObject()) names.Add(p.Name);
        return names;
    }

    private static string? Raw(ConfigElement parent, string name) =>
        parent.Element.ValueKind == JsonValueKind.Object && parent.Element.TryGetProperty(name, out var value) ? Canonical(value) : null;

    /// <summary>The value without the file's spacing, so a reformatted file is no change.</summary>
    private static string Canonical(JsonElement value) => JsonSerializer.Serialize(value);
}
