namespace NetMobility.Links;

/// <summary>
/// A fixed number of frame slots handed out and returned in any order (frames held for different
/// delays). A slot's buffer is allocated the first time it is used and kept, so a warmed-up pool
/// allocates nothing.
/// </summary>
internal sealed class FramePool
{
    private readonly byte[]?[] _buffers;
    private readonly int[] _lengths;
    private readonly Stack<int> _free;
    private readonly int _slotSize;

    public FramePool(int slots, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _buffers = new byte[]?[slots];
        _lengths = new int[slots];
        _free = new Stack<int>(slots);
        for (int i = slots - 1; i >= 0; i--) _free.Push(i);
        _slotSize = slotSize;
    }

    public int InUse => _buffers.Length - _free.Count;

    /// <summary>Copies <paramref name="frame"/> into a free slot; -1 when none is free or the frame does not fit.</summary>
    public int Rent(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > _slotSize || !_free.TryPop(out int slot)) return -1;
        var buffer = _buffers[slot] ??= new byte[_slotSize];
        frame.CopyTo(buffer);
        _lengths[slot] = frame.Length;
        return slot;
    }

    public ReadOnlySpan<byte> Frame(int slot) => _buffers[slot].AsSpan(0, _lengths[slot]);

    public void Return(int slot) => _free.Push(slot);
}
