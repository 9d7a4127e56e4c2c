namespace NetMobility.Migration.Relay;

/// <summary>
/// The sender's bounded store of a relayed stream: the octets from the last acknowledged offset to the last one taken
/// from the hypervisor, in a ring of fixed size. Octets leave it only when the destination acknowledges them, so a
/// resumed connection can send again anything after the destination's ack; when it is full, the hypervisor is not
/// read (its own socket pushes back). Offsets are positions in the stream, from 0.
/// </summary>
internal sealed class UnackedWindow
{
    private readonly byte[] _ring;
    private readonly Lock _gate = new();
    private long _acked, _taken;
    private bool _ended;

    public UnackedWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new byte[capacity];
    }

    public int Capacity => _ring.Length;

    /// <summary>Fired when octets are taken in or the input ends.</summary>
    public Pulse Taken { get; } = new();

    /// <summary>Fired when an ack frees room.</summary>
    public Pulse Acked { get; } = new();

    public long AckedOffset
    {
        get
        {
            lock (_gate) return _acked;
        }
    }

    /// <summary>The offset just past the last octet taken from the hypervisor, and whether its stream has ended.</summary>
    public (long Taken, bool Ended) Input
    {
        get
        {
            lock (_gate) return (_taken, _ended);
        }
    }

    /// <summary>Room for the next octets of the input, in one piece; empty when the window is full.</summary>
    public Memory<byte> FreeSpace()
    {
        lock (_gate)
        {
            long free = _ring.Length - (_taken - _acked);
            int start = (int)(_taken % _ring.Length);
            return _ring.AsMemory(start, (int)Math.Min(free, _ring.Length - start));
        }
    }

    /// <summary>The next <paramref name="count"/> octets of the input are in the space <see cref="FreeSpace"/> gave.</summary>
    public void Take(int count)
    {
        lock (_gate) _taken += count;
        Taken.Fire();
    }

    public void EndInput()
    {
        lock (_gate) _ended = true;
        Taken.Fire();
    }

    /// <summary>
    /// The octets from <paramref name="offset"/> on, in one piece and at most <paramref name="max"/>; valid until they
    /// are acknowledged. <paramref name="offset"/> must lie between the acked and the taken offsets.
    /// </summary>
    public ReadOnlySpan<byte> From(long offset, int max)
    {
        lock (_gate)
        {
            if (offset < _acked || offset > _taken) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"outside the window {_acked}..{_taken}");
            int start = (int)(offset % _ring.Length);
            return _ring.AsSpan(start, (int)Math.Min(Math.Min(_taken - offset, _ring.Length - start), max));
        }
    }

    /// <summary>The destination holds everything before <paramref name="offset"/>. False (and nothing changes) when that goes back or past what was taken.</summary>
    public bool Acknowledge(long offset)
    {
        lock (_gate)
        {
            if (offset < _acked || offset > _taken) return false;
            _acked = offset;
        }
        Acked.Fire();
        return true;
    }
}
