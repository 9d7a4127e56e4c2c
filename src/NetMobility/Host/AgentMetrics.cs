using System.Diagnostics.Metrics;
using NetMobility.Links;
using NetMobility.Net;

namespace NetMobility.Host;

/// <summary>
/// The daemon's counters as <see cref="System.Diagnostics.Metrics"/> instruments of the meter <c>NetMobility</c>, read
/// when a listener collects (<c>dotnet-counters monitor -n netmob --counters NetMobility</c>): frames, bytes and drops per
/// link, the node's forwarding and drops, the home agent's registrations, bindings and tunnelled packets, the foreign
/// agent's visitors and delivered packets. The values are the loop's own counters, read as they stand.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "NetMobility";

    private readonly Meter _meter;

    public AgentMetrics(AgentNode agent)
    {
        _meter = new Meter(MeterName, typeof(AgentMetrics).Assembly.GetName().Version?.ToString());
        var links = agent.Node.Interfaces.Where(i => i.Link is not null).Select(i => i.Link!).ToArray();
        _meter.CreateObservableCounter("netmob.link.frames", () => LinkMeasurements(links, c => c.FramesSent, c => c.FramesReceived), "{frame}", "Frames sent and received per link");
        _meter.CreateObservableCounter("netmob.link.bytes", () => LinkMeasurements(links, c => c.BytesSent, c => c.BytesReceived), "By", "Bytes sent and received per link");
        _meter.CreateObservableCounter("netmob.link.drops", () => LinkDrops(links), "{frame}", "Frames a link refused or discarded, by reason");
        var node = agent.Node;
        _meter.CreateObservableCounter("netmob.node.forwarded", () => node.Counters.PacketsForwarded, "{packet}", "Packets the node forwarded");
        _meter.CreateObservableCounter("netmob.node.drops", () => NodeDrops(node), "{packet}", "Packets the node dropped, by reason");
        if (agent.HomeAgent is { } home)
        {
            _meter.CreateObservableCounter("netmob.home_agent.registrations", () => new[]
            {
                new Measurement<long>(home.Counters.Accepted, new KeyValuePair<string, object?>("result", "accepted")),
                new Measurement<long>(home.Counters.Denied, new KeyValuePair<string, object?>("result", "denied")),
            }, "{request}", "Registration requests answered");
            _meter.CreateObservableGauge("netmob.home_agent.bindings", () => home.Bindings.Count, "{binding}", "Mobility bindings held");
            _meter.CreateObservableCounter("netmob.home_agent.tunnelled", () => home.Counters.Tunnelled, "{packet}", "Packets tunnelled to care-of addresses");
            _meter.CreateObservableCounter("netmob.home_agent.reverse_tunnelled", () => home.Counters.ReverseTunnelled, "{packet}", "Reverse-tunnelled packets let in");
        }
        if (agent.ForeignAgent is { } foreign)
        {
            _meter.CreateObservableGauge("netmob.foreign_agent.visitors", () => foreign.Visitors.Count, "{visitor}", "Visitors on the list");
            _meter.CreateObservableCounter("netmob.foreign_agent.delivered", () => foreign.Counters.Delivered, "{packet}", "Decapsulated packets delivered to visitors");
            _meter.CreateObservableCounter("netmob.foreign_agent.reverse_tunnelled", () => foreign.Counters.ReverseTunnelled, "{packet}", "Visitors' packets sent into reverse tunnels");
        }
    }

    private static IEnumerable<Measurement<long>> LinkMeasurements(IFrameLink[] links, Func<LinkCounters, long> sent, Func<LinkCounters, long> received)
    {
        foreach (var link in links)
        {
            yield return new Measurement<long>(sent(link.Counters), new("link", link.Name), new("direction", "sent"));
            yield return new Measurement<long>(received(link.Counters), new("link", link.Name), new("direction", "received"));
        }
    }

    private static IEnumerable<Measurement<long>> LinkDrops(IFrameLink[] links)
    {
        foreach (var link in links)
            foreach (var reason in Enum.GetValues<LinkDrop>())
                if (link.Counters.Drops(reason) is > 0 and var n) yield return new Measurement<long>(n, new("link", link.Name), new("reason", reason.ToString()));
    }

    private static IEnumerable<Measurement<long>> NodeDrops(Node node)
    {
        foreach (var reason in Enum.GetValues<NodeDrop>())
            if (node.Counters.Drops(reason) is > 0 and var n) yield return new Measurement<long>(n, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    public void Dispose() => _meter.Dispose();
}
