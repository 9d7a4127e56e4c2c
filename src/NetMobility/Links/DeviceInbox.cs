using NetMobility.Runtime;

namespace NetMobility.Links;

/// <summary>
/// Frames a device's reader thread took (TAP, AF_PACKET, libpcap), on their way to the <see cref="EventLoop"/>: the
/// reader queues each into slots allocated once, and the loop delivers them to the link's receiver. The loop is woken
/// only when the inbox goes from empty to not empty, and one work item delivers up to <see cref="FramesPerTurn"/>
/// frames, so a burst costs one wake-up, not one per frame, while other work on the loop still gets its turn.
/// </summary>
internal sealed class DeviceInbox
{
    /// <summary>Frames one work item delivers before it lets the loop run other work.</summary>
    public const int FramesPerTurn = 64;

    private static readonly Action<object?> DeliverSome = static s => ((DeviceInbox)s!).Deliver();

    private readonly object _gate = new();
    private readonly FrameRing _frames;
    private readonly EventLoop _loop;
    private readonly LinkCounters _counters;
    private readonly Func<bool> _open;
    private readonly Func<FrameReceiver?> _receiver;

    /// <param name="open">Whether the link takes frames now (up and not closing); checked as each frame is delivered.</param>
    /// <param name="receiver">The link's receiver, read as each frame is delivered.</param>
    public DeviceInbox(EventLoop loop, int capacity, int slotSize, LinkCounters counters, Func<bool> open, Func<FrameReceiver?> receiver)
    {
        _loop = loop;
        _frames = new FrameRing(capacity, slotSize);
        _counters = counters;
        _open = open;
        _receiver = receiver;
    }

    /// <summary>Frames waiting for the loop.</summary>
    public int Count
    {
        get { lock (_gate) return _frames.Count; }
    }

    /// <summary>From the reader thread: queues a copy of <paramref name="frame"/>, or counts it as <see cref="LinkDrop.QueueFull"/>.</summary>
    public void Enqueue(ReadOnlySpan<byte> frame)
    {
        bool wasEmpty;
        lock (_gate)
        {
            wasEmpty = _frames.Count == 0;
            if (!_frames.TryEnqueue(frame))
            {
                _counters.CountDrop(LinkDrop.QueueFull);
                return;
            }
        }
        // A work item is pending or running whenever frames wait: it delivers what came in meanwhile too.
        if (wasEmpty) _loop.Post(DeliverSome, this);
    }

    private void Deliver()
    {
        for (int turn = 0; turn < FramesPerTurn; turn++)
        {
            ReadOnlySpan<byte> frame;
            lock (_gate)
            {
                if (_frames.Count == 0) return;
                // The head slot stays this work item's until Dequeue: the reader only fills slots behind it.
                frame = _frames.Peek();
            }
            try
            {
                if (!_open()) _counters.CountDrop(LinkDrop.Down);
                else
                {
                    _counters.CountReceived(frame.Length);
                    _receiver()?.Invoke(frame);
                }
            }
            finally
            {
                lock (_gate) _frames.Dequeue();
            }
        }
        bool more;
        lock (_gate) more = _frames.Count > 0;
        if (more) _loop.Post(DeliverSome, this);
    }
}
