using Microsoft.Extensions.Logging;
using NetMobility.Links;
using NetMobility.Net;

namespace NetMobility.Host;

/// <summary>
/// Drops by reason, logged as they grow: every report names each link and reason (and each node drop reason) whose
/// count rose since the last report, with the rise. One line per reason, not one per frame.
/// </summary>
internal sealed class DropReport
{
    private readonly Dictionary<string, long[]> _links = new(StringComparer.Ordinal);
    private readonly long[] _node = new long[Enum.GetValues<NodeDrop>().Length];

    public void Report(AgentNode agent, ILogger log, int seconds)
    {
        foreach (var iface in agent.Node.Interfaces)
        {
            if (iface.Link is not { } link) continue;
            if (!_links.TryGetValue(link.Name, out var seen)) _links[link.Name] = seen = new long[Enum.GetValues<LinkDrop>().Length];
            for (int i = 0; i < seen.Length; i++)
            {
                long now = link.Counters.Drops((LinkDrop)i);
                if (now > seen[i]) AgentLog.Drops(log, $"link {link.Name}", now - seen[i], ((LinkDrop)i).ToString(), seconds);
                seen[i] = now;
            }
        }
        for (int i = 0; i < _node.Length; i++)
        {
            long now = agent.Node.Counters.Drops((NodeDrop)i);
            // Frames for other hosts on a shared link are not trouble: a router sees them all the time.
            if (now > _node[i] && (NodeDrop)i is not (NodeDrop.NotForThisHost or NodeDrop.LinkBroadcast))
                AgentLog.Drops(log, $"node {agent.Node.Name}", now - _node[i], ((NodeDrop)i).ToString(), seconds);
            _node[i] = now;
        }
    }
}
