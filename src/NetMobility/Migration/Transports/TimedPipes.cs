using System.Collections.Concurrent;
using System.IO.Pipelines;
using NetMobility.Runtime;

namespace NetMobility.Migration.Transports;

/// <summary>
/// State one end of an in-memory connection keeps: its notion of now, and whether the path is cut.
/// <paramref name="virtualClock"/> is the clock a path in virtual time moves (null in real time).
/// </summary>
internal sealed class PathEndpoint(PathModel model, TimeProvider clock, ManualTimeProvider? virtualClock, bool isSource, PathConnection connection)
{
    private readonly object _gate = new();
    private DateTimeOffset _local = clock.GetUtcNow();

    public PathModel Model => model;
    public TimeProvider Clock => clock;

    /// <summary>Whether the path runs in virtual time: writes move the clock instead of waiting on it.</summary>
    public bool VirtualTime => virtualClock is not null;
    public PathConnection Connection => connection;

    /// <summary>
    /// In virtual time the source's now is the shared clock, which its writes move forward; the destination
    /// lives at the arrival time of what it last read (it takes no time itself). In real time, the clock.
    /// </summary>
    public DateTimeOffset Now
    {
        get
        {
            if (virtualClock is null || isSource) return clock.GetUtcNow();
            lock (_gate) return _local;
        }
    }

    /// <summary>When the octets this end last read arrived.</summary>
    public DateTimeOffset LastArrival
    {
        get { lock (_gate) return _local; }
    }

    public void Saw(DateTimeOffset arrival)
    {
        lock (_gate) if (arrival > _local) _local = arrival;
    }

    /// <summary>In virtual time, the source's wait for a reply ends when the reply arrived: its clock moves there.</summary>
    public void ReplyAwaited()
    {
        if (isSource) virtualClock?.AdvanceTo(LastArrival);
    }

    /// <summary>The source's writes take virtual time: the clock moves to when the last octet has left.</summary>
    public void Sent(DateTimeOffset departure)
    {
        if (virtualClock is null) return;
        if (isSource) virtualClock.AdvanceTo(departure);
        else Saw(departure);
    }
}

/// <summary>Cumulative octet counts flushed into a pipe and when each flush arrives at the other end.</summary>
internal sealed class ArrivalMarks
{
    private readonly ConcurrentQueue<(long Total, DateTimeOffset Arrival)> _marks = new();
    public void Add(long total, DateTimeOffset arrival) => _marks.Enqueue((total, arrival));

    /// <summary>The arrival of the newest flush wholly within the first <paramref name="visible"/> octets, if any is new.</summary>
    public DateTimeOffset? TakeUpTo(long visible)
    {
        DateTimeOffset? latest = null;
        while (_marks.TryPeek(out var m) && m.Total <= visible)
        {
            _marks.TryDequeue(out _);
            latest = m.Arrival;
        }
        return latest;
    }
}

/// <summary>A pipe writer that books every flush on the path's timeline (and, in real time, waits for it) and fails once the path is cut.</summary>
internal sealed class TimedPipeWriter(PipeWriter inner, PathTimeline timeline, ArrivalMarks marks, PathEndpoint endpoint, long dropAfterBytes) : PipeWriter
{
    private long _unflushed;
    private long _total;

    public override void Advance(int bytes)
    {
        inner.Advance(bytes);
        _unflushed += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    public override void CancelPendingFlush() => inner.CancelPendingFlush();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        endpoint.Connection.ThrowIfSevered();
        long bytes = _unflushed;
        _unflushed = 0;
        if (bytes > 0)
        {
            _total += bytes;
            if (_total > dropAfterBytes)
            {
                // The link fails with this flush in flight: none of it arrives.
                endpoint.Connection.Sever();
                endpoint.Connection.ThrowIfSevered();
            }
            var (departure, arrival) = timeline.Send(endpoint.Now, bytes);
            marks.Add(_total, arrival);
            if (endpoint.VirtualTime) endpoint.Sent(departure);
            else if (departure - endpoint.Clock.GetUtcNow() is { Ticks: > 0 } wait) await Task.Delay(wait, endpoint.Clock, cancellationToken).ConfigureAwait(false);
        }
        var result = await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        endpoint.Connection.ThrowIfSevered();
        return result;
    }
}

/// <summary>A pipe reader that learns when what it reads arrived (and, in real time, waits until then) and fails once the path is cut.</summary>
internal sealed class TimedPipeReader(PipeReader inner, ArrivalMarks marks, PathEndpoint endpoint) : PipeReader
{
    private long _consumed;
    private System.Buffers.ReadOnlySequence<byte> _last;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        endpoint.Connection.ThrowIfSevered();
        var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (endpoint.Connection.IsSevered)
        {
            inner.AdvanceTo(result.Buffer.Start);
            endpoint.Connection.ThrowIfSevered();
        }
        _last = result.Buffer;
        if (marks.TakeUpTo(_consumed + result.Buffer.Length) is { } arrival)
        {
            // Read once: the clock moves between two readings, and a wait computed from a second one can come out negative.
            if (!endpoint.VirtualTime && arrival - endpoint.Clock.GetUtcNow() is { Ticks: > 0 } wait)
                await Task.Delay(wait, endpoint.Clock, cancellationToken).ConfigureAwait(false);
            endpoint.Saw(arrival);
        }
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (endpoint.Connection.IsSevered || !inner.TryRead(out result))
        {
            result = default;
            return false;
        }
        _last = result.Buffer;
        if (marks.TakeUpTo(_consumed + result.Buffer.Length) is { } arrival) endpoint.Saw(arrival);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _last.Slice(_last.Start, consumed).Length;
        _last = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);
}
