namespace NetMobility.Runtime;

/// <summary>
/// A one-shot timer on the loop's <see cref="TimeProvider"/> whose callback runs as a work item of the
/// <see cref="EventLoop"/>, not on the clock's thread. Re-arming or cancelling after the clock fired but
/// before the posted callback ran suppresses that stale callback. Created by <see cref="EventLoop.CreateTimer"/>.
/// </summary>
public sealed class LoopTimer : IDisposable
{
    private readonly EventLoop _loop;
    private readonly Action<object?> _callback;
    private readonly object? _state;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private long _generation;
    private long _firedGeneration = -1;
    private bool _armed;

    internal LoopTimer(EventLoop loop, Action<object?> callback, object? state, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _loop = loop;
        _callback = callback;
        _state = state;
        _timer = (clock ?? loop.Time).CreateTimer(static s => ((LoopTimer)s!).OnClockFired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True from <see cref="Schedule"/> until the callback runs or the timer is cancelled.</summary>
    public bool IsArmed
    {
        get { lock (_gate) return _armed; }
    }

    /// <summary>Arms the timer to fire once after <paramref name="dueTime"/>, replacing any earlier arming.</summary>
    public void Schedule(TimeSpan dueTime)
    {
        lock (_gate)
        {
            _generation++;
            _armed = true;
        }
        _timer.Change(dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime, Timeout.InfiniteTimeSpan);
    }

    public void Cancel()
    {
        lock (_gate)
        {
            _generation++;
            _armed = false;
        }
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        Cancel();
        _timer.Dispose();
    }

    private void OnClockFired()
    {
        lock (_gate)
        {
            if (!_armed) return;
            _firedGeneration = _generation;
        }
        _loop.Post(static s => ((LoopTimer)s!).RunCallback(), this);
    }

    private void RunCallback()
    {
        lock (_gate)
        {
            if (!_armed || _firedGeneration != _generation) return;
            _armed = false;
            _firedGeneration = -1;
        }
        _callback(_state);
    }
}
