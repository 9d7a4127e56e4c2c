using NetMobility.Links;
using NetMobility.Runtime;

namespace NetMobility.Tunnels;

/// <summary>
/// Decapsulated packets on their way into a node: each is copied into a pooled buffer and handed over by its
/// own work item on the <see cref="EventLoop"/>, never inside the call that decapsulated it, so a packet
/// nested in tunnels many times over does not recurse through the node. At most <c>capacity</c> wait.
/// </summary>
internal sealed class InboundQueue
{
    private static readonly Action<object?> DeliverOne = static s => ((InboundQueue)s!).Deliver();
    private readonly EventLoop _loop;
    private readonly Queue<(byte[] Buffer, int Length)> _waiting;
    private readonly int _capacity;
    private readonly Action<ReadOnlySpan<byte>> _deliver;

    public InboundQueue(EventLoop loop, int capacity, Action<ReadOnlySpan<byte>> deliver)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _loop = loop;
        _capacity = capacity;
        _deliver = deliver;
        _waiting = new Queue<(byte[], int)>(capacity);
    }

    public int Count => _waiting.Count;

    /// <summary>Copies <paramref name="packet"/> and posts its delivery; false when the queue is full.</summary>
    public bool TryPost(ReadOnlySpan<byte> packet)
    {
        if (_waiting.Count >= _capacity) return false;
        var buffer = TunnelBufferPool.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        _waiting.Enqueue((buffer, packet.Length));
        _loop.Post(DeliverOne, this);
        return true;
    }

    private void Deliver()
    {
        var (buffer, length) = _waiting.Dequeue();
        try
        {
            _deliver(buffer.AsSpan(0, length));
        }
        finally
        {
            TunnelBufferPool.Shared.Return(buffer);
        }
    }
}
