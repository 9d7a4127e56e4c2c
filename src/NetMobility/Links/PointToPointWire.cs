using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// A point-to-point Ethernet wire: what one end sends, the other end receives, whatever its destination
/// address (filtering is the receiving node's business). Each end queues at most
/// <c>queueCapacity</c> frames for delivery.
/// </summary>
public sealed class PointToPointWire
{
    public PointToPointWire(EventLoop loop, string name, MacAddress macA, MacAddress macB, int mtu = 1500, int queueCapacity = 256)
    {
        Name = name;
        A = new WireEnd(loop, $"{name}.a", macA, mtu, queueCapacity);
        B = new WireEnd(loop, $"{name}.b", macB, mtu, queueCapacity);
        A.Peer = B;
        B.Peer = A;
    }

    public string Name { get; }
    public WireEnd A { get; }
    public WireEnd B { get; }

    public sealed class WireEnd : MemoryLink
    {
        internal WireEnd(EventLoop loop, string name, MacAddress mac, int mtu, int queueCapacity)
            : base(loop, name, mac, mtu, queueCapacity) { }

        internal WireEnd Peer { get; set; } = null!;

        private protected override bool Transmit(ReadOnlySpan<byte> frame) => Peer.Offer(frame);
    }
}
