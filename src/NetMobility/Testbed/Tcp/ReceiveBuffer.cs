using System.Buffers;

namespace NetMobility.Testbed.Tcp;

/// <summary>
/// Received data: the bytes delivered in order and not yet read, then the window, where segments that
/// arrived beyond a gap wait for it to fill. One pooled ring holds both, so the right edge of the window
/// (first unread byte + capacity) never moves left. Out-of-order data is tracked as at most
/// <see cref="MaxRanges"/> disjoint sequence ranges in a fixed array: a segment that would need one more is dropped
/// (the sender sends it again). The owner returns the array with <see cref="Dispose"/>.
/// </summary>
internal sealed class ReceiveBuffer : IDisposable
{
    public const int MaxRanges = 32;

    private byte[] _ring;
    private readonly int _capacity;
    private int _readIndex;
    private uint _readSequence;
    private readonly (uint Start, uint End)[] _ranges = new (uint, uint)[MaxRanges];
    private int _rangeCount;

    public ReceiveBuffer(int capacity)
    {
        _capacity = capacity;
        _ring = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int Capacity => _capacity;

    /// <summary>The next byte expected in order (RCV.NXT).</summary>
    public uint Next { get; private set; }

    /// <summary>Bytes delivered in order and not yet read.</summary>
    public int Readable => (int)(Next - _readSequence);

    /// <summary>One past the last byte the window takes: first unread byte + capacity.</summary>
    public uint RightEdge => _readSequence + (uint)_capacity;

    /// <summary>The window from <see cref="Next"/> to the right edge.</summary>
    public int Window => (int)(RightEdge - Next);

    public bool HasOutOfOrder => _rangeCount > 0;

    /// <summary>Starts the sequence space at <paramref name="next"/>: the byte after the peer's SYN.</summary>
    public void Start(uint next)
    {
        Next = next;
        _readSequence = next;
    }

    /// <summary>
    /// Stores <paramref name="data"/> that starts at <paramref name="sequence"/>, already trimmed to the window
    /// [Next, RightEdge). Returns the bytes newly delivered in order (0 for data beyond a gap or already held),
    /// or -1 when the data lies beyond a gap and no range is left to remember it.
    /// </summary>
    public int Store(uint sequence, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return 0;
        uint end = sequence + (uint)data.Length;
        if (sequence != Next && !TryAddRange(sequence, end)) return -1;
        int offset = (int)(sequence - _readSequence);
        int start = (_readIndex + offset) % _capacity;
        int first = Math.Min(data.Length, _capacity - start);
        data[..first].CopyTo(_ring.AsSpan(start));
        data[first..].CopyTo(_ring);
        if (sequence != Next) return 0;
        uint before = Next;
        Next = end;
        // Ranges now reached join the in-order data.
        while (_rangeCount > 0 && SequenceNumber.Le(_ranges[0].Start, Next))
        {
            Next = SequenceNumber.Max(Next, _ranges[0].End);
            RemoveRangeAt(0);
        }
        return (int)(Next - before);
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length in-order bytes out; returns how many.</summary>
    public int Read(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, Readable);
        int first = Math.Min(count, _capacity - _readIndex);
        _ring.AsSpan(_readIndex, first).CopyTo(destination);
        _ring.AsSpan(0, count - first).CopyTo(destination[first..]);
        _readIndex = (_readIndex + count) % _capacity;
        _readSequence += (uint)count;
        return count;
    }

    /// <summary>Inserts [start, end) into the sorted, disjoint ranges, merging with those it touches.</summary>
    private bool TryAddRange(uint start, uint end)
    {
        int i = 0;
        while (i < _rangeCount && SequenceNumber.Lt(_ranges[i].End, start)) i++;
        int j = i;
        while (j < _rangeCount && SequenceNumber.Le(_ranges[j].Start, end))
        {
            start = SequenceNumber.Min(start, _ranges[j].Start);
            end = SequenceNumber.Max(end, _ranges[j].End);
            j++;
        }
        if (j == i)
        {
            if (_rangeCount == MaxRanges) return false;
            Array.Copy(_ranges, i, _ranges, i + 1, _rangeCount - i);
            _rangeCount++;
        }
        else if (j > i + 1)
        {
            Array.Copy(_ranges, j, _ranges, i + 1, _rangeCount - j);
            _rangeCount -= j - i - 1;
        }
        _ranges[i] = (start, end);
        return true;
    }

    private void RemoveRangeAt(int index)
    {
        Array.Copy(_ranges, index + 1, _ranges, index, _rangeCount - index - 1);
        _rangeCount--;
    }

    public void Dispose()
    {
        if (_ring.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_ring);
        _ring = [];
    }
}
