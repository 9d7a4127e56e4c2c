using System.Buffers;

namespace NetMobility.Testbed.Tcp;

/// <summary>
/// The bytes a connection has taken from its application and the peer has not yet acknowledged: a ring
/// over one pooled array, addressed by offset from the oldest unacknowledged byte. Writes and reads copy
/// into and out of the ring; nothing is allocated per segment. The owner returns the array with <see cref="Dispose"/>.
/// </summary>
internal sealed class SendBuffer : IDisposable
{
    private byte[] _ring;
    private readonly int _capacity;
    private int _head;

    public SendBuffer(int capacity)
    {
        _capacity = capacity;
        _ring = ArrayPool<byte>.Shared.Rent(capacity);
    }

    /// <summary>Bytes held: unacknowledged, sent or not.</summary>
    public int Length { get; private set; }
    public int Free => _capacity - Length;

    /// <summary>Appends what fits of <paramref name="data"/>; returns how many bytes were taken.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int count = Math.Min(data.Length, Free);
        int tail = (_head + Length) % _capacity;
        int first = Math.Min(count, _capacity - tail);
        data[..first].CopyTo(_ring.AsSpan(tail));
        data[first..count].CopyTo(_ring);
        Length += count;
        return count;
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting <paramref name="offset"/> bytes after the oldest.</summary>
    public void CopyTo(int offset, Span<byte> destination)
    {
        int start = (_head + offset) % _capacity;
        int first = Math.Min(destination.Length, _capacity - start);
        _ring.AsSpan(start, first).CopyTo(destination);
        _ring.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    /// <summary>Drops the <paramref name="count"/> oldest bytes: the peer acknowledged them.</summary>
    public void Consume(int count)
    {
        _head = (_head + count) % _capacity;
        Length -= count;
    }

    public void Dispose()
    {
        if (_ring.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_ring);
        _ring = [];
    }
}
