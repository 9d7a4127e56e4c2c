namespace NetMobility.Links;

/// <summary>
/// A bounded FIFO of frames in storage allocated once: <c>capacity</c> slots of <c>slotSize</c> bytes.
/// Enqueue copies in; the head frame stays valid (and its slot occupied) until <see cref="Dequeue"/>,
/// so a receiver may enqueue into the same ring while it reads the head.
/// </summary>
internal sealed class FrameRing
{
    private readonly byte[] _storage;
    private readonly int[] _lengths;
    private readonly int _slotSize;
    private int _head;

    public FrameRing(int capacity, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        _storage = new byte[checked(capacity * slotSize)];
        _lengths = new int[capacity];
        _slotSize = slotSize;
    }

    public int Capacity => _lengths.Length;
    public int Count { get; private set; }

    /// <summary>Copies <paramref name="frame"/> in; false when the ring is full or the frame does not fit a slot.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> frame)
    {
        if (Count == _lengths.Length || frame.Length > _slotSize) return false;
        int slot = (_head + Count) % _lengths.Length;
        frame.CopyTo(_storage.AsSpan(slot * _slotSize, _slotSize));
        _lengths[slot] = frame.Length;
        Count++;
        return true;
    }

    /// <summary>The oldest frame; only valid while <see cref="Count"/> is positive.</summary>
    public ReadOnlySpan<byte> Peek()
    {
        if (Count == 0) throw new InvalidOperationException("the ring is empty");
        return _storage.AsSpan(_head * _slotSize, _lengths[_head]);
    }

    public void Dequeue()
    {
        if (Count == 0) throw new InvalidOperationException("the ring is empty");
        _head = (_head + 1) % _lengths.Length;
        Count--;
    }
}
