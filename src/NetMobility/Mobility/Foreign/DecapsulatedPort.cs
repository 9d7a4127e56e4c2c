using NetMobility.Net;
using NetMobility.Tunnels;

namespace NetMobility.Mobility.Foreign;

/// <summary>
/// Where an agent's decapsulated packets enter its node: a datagram link with no address, added to the node as
/// an interface, through which each packet arrives (and is forwarded) by its own work item on the node's loop,
/// never inside the call that decapsulated it. Nothing is routed out of it.
/// </summary>
internal sealed class DecapsulatedPort : IPacketLink
{
    private readonly InboundQueue _inbound;

    /// <param name="queueCapacity">Packets that may wait for the node at once: the node's <see cref="NodeTunnels.InboundQueueCapacity"/>.</param>
    public DecapsulatedPort(Node node, string name, int queueCapacity)
    {
        Name = name;
        QueueCapacity = queueCapacity;
        _inbound = new InboundQueue(node.Loop, queueCapacity, Deliver);
        Interface = node.AddInterface(this, Wire.Ipv4Address.Any, 0);
    }

    public string Name { get; }
    public int QueueCapacity { get; }
    public NetInterface Interface { get; }
    public int Mtu => ushort.MaxValue;
    public bool IsUp { get; set; } = true;
    public PacketReceiver? Receiver { get; set; }

    /// <summary>Queues <paramref name="packet"/> to arrive at the node; false when the queue is full.</summary>
    public bool TryPost(ReadOnlySpan<byte> packet) => _inbound.TryPost(packet);

    /// <summary>No route leads into this port; a packet sent to it is refused.</summary>
    public bool Send(ReadOnlySpan<byte> packet) => false;

    private void Deliver(ReadOnlySpan<byte> packet)
    {
        if (IsUp) Receiver?.Invoke(packet);
    }
}
