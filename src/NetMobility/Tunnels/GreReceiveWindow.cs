using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// The RFC 2890 sec 2.2 receiver for one sequenced flow: delivers packets in sequence order, holds packets
/// that arrive ahead of a gap (up to MAX_PERFLOW_BUFFER), and when the oldest held packet has waited
/// OUTOFORDER_TIMER it gives up on the gap and releases the held packets in order. A packet whose sequence
/// number is not after the last one delivered is late and is dropped.
/// </summary>
/// <remarks>
/// The first sequence number expected is 0 (RFC 2890 sec 2.2: "The first datagram is sent with a sequence
/// number of 0"). Held packets are copied into buffers rented from <see cref="TunnelBufferPool"/> and
/// returned as soon as they are delivered; the window never holds more than <see cref="GreReorderOptions.MaxPerflowBuffer"/>.
/// A packet delivered at once (in order) is passed through without a copy.
/// Thread safety: every entry point, including the timer callback, takes the window's lock; the sink is
/// called under it.
/// </remarks>
public sealed class GreReceiveWindow : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly IInnerPacketSink _sink;
    private readonly TunnelCounters _counters;
    private readonly ITimer _timer;
    private readonly long _timeout;          // OUTOFORDER_TIMER in TimeProvider timestamp units
    // Held packets sorted by sequence number, newest first: the oldest sits at _count - 1 so it pops in O(1).
    private readonly Slot[] _slots;
    private int _count;
    private uint _next;
    private long _armedDeadline = long.MaxValue;
    private bool _disposed;

    private struct Slot
    {
        public uint Sequence;
        public long Arrival;
        public EtherType Protocol;
        public byte[] Buffer;
        public int Length;
    }

    public GreReceiveWindow(GreReorderOptions options, TimeProvider time, IInnerPacketSink sink, TunnelCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is string problem) throw new ArgumentException(problem, nameof(options));
        _time = time;
        _sink = sink;
        _counters = counters;
        _slots = new Slot[options.MaxPerflowBuffer];
        _timeout = (long)Math.Ceiling(options.OutOfOrderTimer.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);
        _timer = time.CreateTimer(static state => ((GreReceiveWindow)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The sequence number that would be delivered at once: one after the last delivered.</summary>
    public uint NextExpected
    {
        get { lock (_gate) return _next; }
    }

    /// <summary>Packets waiting in the window for a missing one.</summary>
    public int Held
    {
        get { lock (_gate) return _count; }
    }

    /// <summary>Accepts one decapsulated packet with its sequence number; delivers it and whatever it unblocks, holds it, or drops it.</summary>
    public void Receive(uint sequence, EtherType protocol, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Accept(sequence, protocol, payload);
            Rearm();
        }
    }

    private void Accept(uint sequence, EtherType protocol, ReadOnlySpan<byte> payload)
    {
        while (true)
        {
            int ahead = SequenceNumber.Distance(_next, sequence);
            if (ahead < 0)
            {
                // RFC 2890 sec 2.2: less than or equal to the last successfully decapsulated one.
                _counters.Drop(TunnelDropReason.LateSequence);
                return;
            }
            if (ahead == 0)
            {
                _next = sequence + 1;
                DeliverNow(protocol, payload);
                ReleaseInOrder();
                return;
            }
            int at = FindPlace(sequence, out bool duplicate);
            if (duplicate)
            {
                _counters.Drop(TunnelDropReason.DuplicateSequence);
                return;
            }
            if (_count < _slots.Length)
            {
                Hold(at, sequence, protocol, payload);
                return;
            }
            // The window is full (or has no room at all): the oldest packet, which may be this one, goes
            // out now past its gap, so that the window never exceeds MAX_PERFLOW_BUFFER.
            _counters.OverflowFlushed();
            if (at == _count)
            {
                SkipTo(sequence);
                _next = sequence + 1;
                DeliverNow(protocol, payload);
                ReleaseInOrder();
                return;
            }
            ReleaseOldestPastGap();
            ReleaseInOrder();
        }
    }

    /// <summary>Where <paramref name="sequence"/> goes in the newest-first order; sets <paramref name="duplicate"/> if it is already held.</summary>
    private int FindPlace(uint sequence, out bool duplicate)
    {
        uint distance = sequence - _next;
        int i = 0;
        while (i < _count)
        {
            uint held = _slots[i].Sequence - _next;
            if (held == distance)
            {
                duplicate = true;
                return i;
            }
            if (held < distance) break;
            i++;
        }
        duplicate = false;
        return i;
    }

    private void Hold(int at, uint sequence, EtherType protocol, ReadOnlySpan<byte> payload)
    {
        Array.Copy(_slots, at, _slots, at + 1, _count - at);
        var buffer = TunnelBufferPool.Shared.Rent(payload.Length);
        payload.CopyTo(buffer);
        _slots[at] = new Slot { Sequence = sequence, Arrival = _time.GetTimestamp(), Protocol = protocol, Buffer = buffer, Length = payload.Length };
        _count++;
        _counters.Held();
    }

    private void DeliverNow(EtherType protocol, ReadOnlySpan<byte> payload)
    {
        _counters.Received(payload.Length);
        _sink.Deliver(protocol, payload);
    }

    /// <summary>Delivers held packets while the oldest one is the next expected.</summary>
    private void ReleaseInOrder()
    {
        while (_count > 0 && _slots[_count - 1].Sequence == _next)
        {
            _next++;
            DeliverOldest();
        }
    }

    /// <summary>Gives up on the gap before the oldest held packet and delivers it.</summary>
    private void ReleaseOldestPastGap()
    {
        uint sequence = _slots[_count - 1].Sequence;
        SkipTo(sequence);
        _next = sequence + 1;
        DeliverOldest();
    }

    private void SkipTo(uint sequence) => _counters.Skipped(sequence - _next);

    private void DeliverOldest()
    {
        // Take the slot out before calling the sink, so the window is consistent if the sink calls back in.
        var slot = _slots[--_count];
        _slots[_count] = default;
        try
        {
            DeliverNow(slot.Protocol, slot.Buffer.AsSpan(0, slot.Length));
        }
        finally
        {
            TunnelBufferPool.Shared.Return(slot.Buffer);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _armedDeadline = long.MaxValue;
            long now = _time.GetTimestamp();
            // RFC 2890 sec 2.2: traverse the buffer in sorted order, decapsulating packets (ignoring gaps)
            // until none left has waited longer than OUTOFORDER_TIMER. The newest expired one bounds that.
            int newestExpired = -1;
            for (int i = 0; i < _count; i++)
            {
                if (now - _slots[i].Arrival >= _timeout)
                {
                    newestExpired = i;
                    break;
                }
            }
            if (newestExpired >= 0)
            {
                _counters.TimerFlushed();
                uint last = _slots[newestExpired].Sequence;
                while (_count > 0 && !SequenceNumber.IsBefore(last, _slots[_count - 1].Sequence))
                    ReleaseOldestPastGap();
                ReleaseInOrder();
            }
            Rearm();
        }
    }

    /// <summary>Points the timer at the moment the longest-waiting held packet reaches OUTOFORDER_TIMER.</summary>
    private void Rearm()
    {
        long deadline = long.MaxValue;
        for (int i = 0; i < _count; i++)
            deadline = Math.Min(deadline, _slots[i].Arrival + _timeout);
        if (deadline == _armedDeadline) return;
        _armedDeadline = deadline;
        if (deadline == long.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        long wait = Math.Max(0, deadline - _time.GetTimestamp());
        // Round up so the timer never fires before the packet has waited its full time.
        long ticks = (long)Math.Ceiling(wait * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        _timer.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _timer.Dispose();
            for (int i = 0; i < _count; i++)
            {
                TunnelBufferPool.Shared.Return(_slots[i].Buffer);
                _slots[i] = default;
            }
            _count = 0;
        }
    }
}
