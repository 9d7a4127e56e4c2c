using System.Text.Json;
using NetMobility.Links;
using NetMobility.Net;

namespace NetMobility.Host;

public sealed partial class AgentNode
{
    /// <summary>
    /// What <c>netmob agent status</c> shows, as one JSON object (docs/agent.md): the node, its links with their counters
    /// and drops, the home agent's bindings, the foreign agent's visitors, the agents' tunnels, the hosted VMs, and the
    /// node's and agents' counters. Built on the loop.
    /// </summary>
    public void WriteStatus(Utf8JsonWriter json)
    {
        var now = _loop.Loop.Time.GetUtcNow();
        json.WriteStartObject();
        json.WriteString("node", Node.Name);
        json.WriteString("config", Config.Path);
        json.WriteNumber("uptimeSeconds", Math.Round((now - Started).TotalSeconds, 1));
        json.WriteNumber("generation", Generation);
        json.WriteStartArray("roles");
        if (HomeAgent is not null) json.WriteStringValue("home-agent");
        if (ForeignAgent is not null) json.WriteStringValue("foreign-agent");
        json.WriteEndArray();

        json.WriteStartArray("links");
        foreach (var iface in Node.Interfaces)
        {
            if (iface.Link is not { } link) continue;
            var inner = link is CaptureLink capture ? capture.Inner : link;
            if (inner is ImpairedLink impaired) inner = impaired.Inner;
            json.WriteStartObject();
            json.WriteString("name", iface.Name);
            json.WriteString("address", $"{iface.Address}/{iface.Prefix.Length}");
            json.WriteString("mac", iface.Mac.ToString());
            json.WriteNumber("mtu", iface.Mtu);
            if (inner is DeviceLink device)
            {
                json.WriteString("device", device.Spec.Describe());
                json.WriteString("state", device.Device is null ? "down" : link.IsUp ? "up" : "admin-down");
                if (device.Problem is not null) json.WriteString("problem", device.Problem);
                json.WriteNumber("reopened", device.Reopened);
            }
            else
            {
                json.WriteString("device", inner is SegmentPort port ? $"segment {port.Segment.Name}" : "memory");
                json.WriteString("state", link.IsUp ? "up" : "admin-down");
            }
            WriteCounters(json, link.Counters);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("bindings");
        if (HomeAgent is { } home)
        {
            foreach (var b in home.Bindings.ToList())
            {
                json.WriteStartObject();
                json.WriteString("homeAddress", b.HomeAddress.ToString());
                json.WriteString("careOf", b.CareOfAddress.ToString());
                json.WriteString("encapsulation", b.Encapsulation.ToString());
                // RFC 3519: where the UDP tunnel leads (the NAT's mapping) and what it carries behind the tunnel data header.
                if (b.UdpPort != 0)
                {
                    json.WriteString("udpPeer", $"{b.UdpAddress}:{b.UdpPort}");
                    if (Mobility.MobileIpEncapsulation.TryCarriedInUdp(b.UdpCarries, out var carried)) json.WriteString("carries", carried.Name);
                }
                json.WriteBoolean("reverseTunnel", b.ReverseTunnel);
                json.WriteNumber("lifetime", b.Lifetime);
                if (b.IsInfinite) json.WriteNull("remaining");
                else json.WriteNumber("remaining", Math.Max(0, (long)new TimeSpan(b.ExpiresTicks - now.UtcTicks).TotalSeconds));
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();

        json.WriteStartArray("visitors");
        if (ForeignAgent is { } foreign)
        {
            foreach (var v in foreign.Visitors.All)
            {
                json.WriteStartObject();
                json.WriteString("homeAddress", v.HomeAddress.ToString());
                json.WriteString("mac", v.LinkAddress.ToString());
                json.WriteString("homeAgent", v.HomeAgent.ToString());
                json.WriteBoolean("accepted", v.IsAccepted);
                json.WriteString("encapsulation", v.Encapsulation.ToString());
                if (v.UdpTunnel && Mobility.MobileIpEncapsulation.TryCarriedInUdp(v.UdpCarries, out var inside)) json.WriteString("carries", inside.Name);
                json.WriteBoolean("reverseTunnel", v.ReverseTunnel);
                json.WriteNumber("lifetime", v.Lifetime);
                if (v.IsAccepted) json.WriteNumber("remaining", Math.Max(0, (long)new TimeSpan(v.ExpiresTicks - now.UtcTicks).TotalSeconds));
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();

        json.WriteStartArray("tunnels");
        var agentTunnels = new HashSet<Tunnels.ITunnelEndpoint>();
        foreach (var (role, tunnels) in new[] { ("home-agent", HomeAgent?.PeerTunnels), ("foreign-agent", ForeignAgent?.PeerTunnels) })
        {
            if (tunnels is null) continue;
            foreach (var t in tunnels)
            {
                agentTunnels.Add(t.Endpoint);
                var c = t.Endpoint.Counters;
                json.WriteStartObject();
                json.WriteString("role", role);
                json.WriteString("encapsulation", t.Encapsulation.ToString());
                json.WriteString("local", t.Endpoint.Local.ToString());
                json.WriteString("remote", t.Peer.ToString());
                json.WriteNumber("users", t.Users);
                json.WriteNumber("packetsOut", c.PacketsOut);
                json.WriteNumber("packetsIn", c.PacketsIn);
                json.WriteNumber("dropped", c.TotalDropped);
                json.WriteEndObject();
            }
        }
        foreach (var t in _node!.Tunnels.Table.Endpoints)
        {
            if (agentTunnels.Contains(t)) continue;
            var c = t.Counters;
            json.WriteStartObject();
            json.WriteString("role", "interface");
            json.WriteString("encapsulation", t.OuterProtocol.ToString());
            json.WriteString("local", t.Local.ToString());
            json.WriteString("remote", t.Remote.ToString());
            json.WriteNumber("users", 1);
            json.WriteNumber("packetsOut", c.PacketsOut);
            json.WriteNumber("packetsIn", c.PacketsIn);
            json.WriteNumber("dropped", c.TotalDropped);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("vms");
        foreach (var vm in _vms)
        {
            var client = vm.Port.Client;
            json.WriteStartObject();
            json.WriteString("name", vm.Name);
            json.WriteString("homeAddress", vm.Port.HomeAddress.ToString());
            json.WriteString("interface", vm.Interface);
            json.WriteString("device", vm.Device.Describe());
            json.WriteBoolean("attached", vm.IsAttached);
            json.WriteString("location", vm.Port.Location.ToString());
            json.WriteString("registration", client.State.ToString());
            if (client.LastCode is { } code) json.WriteNumber("lastCode", (int)code);
            if (client.Agent is { } agent) json.WriteString("careOf", agent.CareOfAddress.ToString());
            json.WriteNumber("requestsSent", client.RequestsSent);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartObject("counters");
        var n = Node.Counters;
        json.WriteStartObject("node");
        json.WriteNumber("framesReceived", n.FramesReceived);
        json.WriteNumber("packetsReceived", n.PacketsReceived);
        json.WriteNumber("packetsDelivered", n.PacketsDelivered);
        json.WriteNumber("packetsForwarded", n.PacketsForwarded);
        json.WriteNumber("packetsSent", n.PacketsSent);
        json.WriteNumber("icmpErrorsSent", n.IcmpErrorsSent);
        WriteDrops(json, Enum.GetValues<NodeDrop>(), r => n.Drops(r));
        json.WriteEndObject();
        if (HomeAgent is { } ha)
        {
            var c = ha.Counters;
            json.WriteStartObject("homeAgent");
            json.WriteNumber("requestsReceived", c.RequestsReceived);
            json.WriteNumber("accepted", c.Accepted);
            json.WriteNumber("denied", c.Denied);
            json.WriteNumber("tunnelled", c.Tunnelled);
            json.WriteNumber("reverseTunnelled", c.ReverseTunnelled);
            json.WriteNumber("reverseTunnelRejected", c.ReverseTunnelRejected);
            json.WriteNumber("expired", c.Expired);
            json.WriteNumber("bindings", ha.Bindings.Count);
            json.WriteEndObject();
        }
        if (ForeignAgent is { } fa)
        {
            var c = fa.Counters;
            json.WriteStartObject("foreignAgent");
            json.WriteNumber("requestsReceived", c.RequestsReceived);
            json.WriteNumber("repliesReceived", c.RepliesReceived);
            json.WriteNumber("delivered", c.Delivered);
            json.WriteNumber("reverseTunnelled", c.ReverseTunnelled);
            json.WriteNumber("notForAVisitor", c.NotForAVisitor);
            json.WriteNumber("advertisementsSent", fa.Advertiser.Sent);
            json.WriteNumber("visitors", fa.Visitors.Count);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        Receiver?.WriteStatus(json);
        json.WriteEndObject();
    }

    private static void WriteCounters(Utf8JsonWriter json, LinkCounters c)
    {
        json.WriteNumber("framesSent", c.FramesSent);
        json.WriteNumber("bytesSent", c.BytesSent);
        json.WriteNumber("framesReceived", c.FramesReceived);
        json.WriteNumber("bytesReceived", c.BytesReceived);
        WriteDrops(json, Enum.GetValues<LinkDrop>(), c.Drops);
    }

    private static void WriteDrops<T>(Utf8JsonWriter json, T[] reasons, Func<T, long> count) where T : struct, Enum
    {
        json.WriteStartObject("drops");
        foreach (var reason in reasons)
            if (count(reason) is > 0 and var n) json.WriteNumber(reason.ToString(), n);
        json.WriteEndObject();
    }
}
