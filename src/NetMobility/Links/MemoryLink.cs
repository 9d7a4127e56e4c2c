using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// An in-memory link end: frames that reach it wait in a bounded ring of its own and are delivered to
/// <see cref="Receiver"/> by work items on the <see cref="EventLoop"/>, one work item per frame, so
/// deliveries interleave with the rest of the world in the order frames were sent. Segment ports and
/// point-to-point wire ends are memory links; what differs is where <see cref="Send"/> puts a frame.
/// </summary>
public abstract class MemoryLink : IFrameLink
{
    private static readonly Action<object?> DeliverOne = static s => ((MemoryLink)s!).Deliver();
    private readonly EventLoop _loop;
    private readonly FrameRing _inbound;
    private bool _up = true;

    private protected MemoryLink(EventLoop loop, string name, MacAddress mac, int mtu, int queueCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68); // RFC 791: every IPv4 link carries 68 octets unfragmented
        _loop = loop;
        Name = name;
        Mac = mac;
        Mtu = mtu;
        _inbound = new FrameRing(queueCapacity, FrameCheck.MaxFrameLength(mtu));
    }

    public string Name { get; }
    public MacAddress Mac { get; }
    public int Mtu { get; }
    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    /// <summary>Frames waiting for delivery to this end.</summary>
    public int QueuedFrames => _inbound.Count;
    public int QueueCapacity => _inbound.Capacity;

    public bool IsUp
    {
        get => _up;
        set
        {
            if (_up == value) return;
            _up = value;
            OnStateChanged();
        }
    }

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason)) return Refuse(reason);
        if (!_up) return Refuse(LinkDrop.Down);
        if (!Transmit(frame)) return Refuse(LinkDrop.QueueFull);
        Counters.CountSent(frame.Length);
        return true;
    }

    /// <summary>Puts a sent frame on the medium; false only when the queue it had to go into was full.</summary>
    private protected abstract bool Transmit(ReadOnlySpan<byte> frame);

    private protected virtual void OnStateChanged() { }

    /// <summary>
    /// A frame arrives at this end from the medium: queued for delivery. False when the queue is full
    /// (counted here as <see cref="LinkDrop.QueueFull"/>). A frame for a down end, or one larger than
    /// this end takes, is counted (<see cref="LinkDrop.Down"/>, <see cref="LinkDrop.TooBig"/>) and
    /// consumed: the sender is not told, as on a real wire.
    /// </summary>
    internal bool Offer(ReadOnlySpan<byte> frame)
    {
        if (!_up) return Discard(LinkDrop.Down);
        if (frame.Length > FrameCheck.MaxFrameLength(Mtu)) return Discard(LinkDrop.TooBig);
        if (!_inbound.TryEnqueue(frame))
        {
            Counters.CountDrop(LinkDrop.QueueFull);
            return false;
        }
        _loop.Post(DeliverOne, this);
        return true;
    }

    private bool Discard(LinkDrop reason)
    {
        Counters.CountDrop(reason);
        return true;
    }

    private void Deliver()
    {
        var frame = _inbound.Peek();
        try
        {
            if (!_up)
            {
                Counters.CountDrop(LinkDrop.Down);
                return;
            }
            Counters.CountReceived(frame.Length);
            Receiver?.Invoke(frame);
        }
        finally
        {
            _inbound.Dequeue();
        }
    }

    private bool Refuse(LinkDrop reason)
    {
        Counters.CountDrop(reason);
        return false;
    }

    public override string ToString() => $"{Name} ({Mac}, MTU {Mtu}, {(_up ? "up" : "down")})";
}
