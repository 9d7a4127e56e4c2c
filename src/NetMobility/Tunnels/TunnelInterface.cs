using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A point-to-point tunnel (GRE carrying IPv4, IP-in-IP, minimal encapsulation) as an interface of a
/// <see cref="Node"/>, like Linux's gre0 or tunl0: the node routes inner packets into it, the endpoint's outer
/// packets leave by the node's own routes, and decapsulated packets arrive on this interface (ingress
/// filter, hooks, forwarding, local delivery), each by its own work item on the node's loop.
/// Created by <see cref="NodeTunnels"/>.
/// </summary>
public sealed class TunnelInterface : IPacketLink, ITunnelHost, IDisposable
{
    /// <summary>Decapsulated packets that may wait for the node at once, unless <see cref="NodeTunnels.InboundQueueCapacity"/> says otherwise.</summary>
    public const int DefaultQueueCapacity = 256;

    private readonly Node _node;
    private readonly InboundQueue _inbound;
    private bool _sending;

    internal TunnelInterface(Node node, string name, Func<ITunnelHost, ITunnelEndpoint> createEndpoint, int queueCapacity)
    {
        _node = node;
        Name = name;
        QueueCapacity = queueCapacity;
        _inbound = new InboundQueue(node.Loop, queueCapacity, DeliverToNode);
        Endpoint = createEndpoint(this);
    }

    public string Name { get; }

    /// <summary>Decapsulated packets that may wait for the node at once; more are dropped (<see cref="TunnelDropReason.QueueFull"/>).</summary>
    public int QueueCapacity { get; }

    public ITunnelEndpoint Endpoint { get; }
    public int Mtu => Endpoint.Mtu;
    public bool IsUp { get; set; } = true;
    public PacketReceiver? Receiver { get; set; }

    /// <summary>The node's interface for this tunnel.</summary>
    public NetInterface Interface { get; internal set; } = null!;

    public bool Send(ReadOnlySpan<byte> packet)
    {
        if (!IsUp) return false;
        if (_sending)
        {
            // The outer packet was routed into this same tunnel: encapsulating again would never end.
            Endpoint.Counters.Drop(TunnelDropReason.Loop);
            return false;
        }
        _sending = true;
        try
        {
            Endpoint.Send(packet);
        }
        finally
        {
            _sending = false;
        }
        return true;
    }

    void ITunnelHost.Transmit(ReadOnlySpan<byte> outerPacket) => _node.SendIp(outerPacket);

    void IInnerPacketSink.Deliver(EtherType protocol, ReadOnlySpan<byte> payload)
    {
        if (!IsUp || protocol != EtherType.Ipv4) return;
        if (!_inbound.TryPost(payload)) Endpoint.Counters.Drop(TunnelDropReason.QueueFull);
    }

    void ITunnelHost.ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) => InnerSenderReport.SendTooBig(_node, innerPacket, mtu);

    void ITunnelHost.ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) => InnerSenderReport.Send(_node, innerPacket, code);

    private void DeliverToNode(ReadOnlySpan<byte> packet)
    {
        if (IsUp) Receiver?.Invoke(packet);
    }

    public void Dispose() => Endpoint.Dispose();

    public override string ToString() => $"{Name} ({Endpoint.OuterProtocol} {Endpoint.Local} -> {Endpoint.Remote}, MTU {Mtu})";
}
