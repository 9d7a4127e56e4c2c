namespace NetMobility.Runtime;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when told to. <see cref="Advance"/> fires every
/// timer that falls due, in due-time order, with the clock set to each timer's due time while its
/// callback runs, so protocol timers observe exactly the time they were scheduled for.
/// Used by tests, by capture replay (the clock follows the capture's timestamps) and by virtual-time
/// simulations. Callbacks run on the thread that calls <see cref="Advance"/>.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now;
    private long _sequence;

    public ManualTimeProvider() : this(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public ManualTimeProvider(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Timestamps count 100 ns ticks of the manual clock.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_gate) return _now.UtcTicks;
    }

    /// <summary>The due time of the earliest armed timer, or null when none is armed.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                DateTimeOffset? next = null;
                foreach (var t in _timers)
                    if (next is null || t.Due < next) next = t.Due;
                return next;
            }
        }
    }

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing due timers on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        if (delta < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delta), "time does not go backwards");
        DateTimeOffset target;
        lock (_gate) target = _now + delta;
        AdvanceTo(target);
    }

    /// <summary>Moves the clock to <paramref name="target"/> (no-op if it is in the past), firing due timers on the way.</summary>
    public void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer? due = null;
            lock (_gate)
            {
                foreach (var t in _timers)
                    if (t.Due <= target && (due is null || t.Due < due.Due || (t.Due == due.Due && t.Sequence < due.Sequence)))
                        due = t;
                if (due is null)
                {
                    if (target > _now) _now = target;
                    return;
                }
                if (due.Due > _now) _now = due.Due;
                if (due.Period > TimeSpan.Zero) due.Rearm(due.Due + due.Period, NextSequence());
                else _timers.Remove(due);
            }
            due.Fire();
        }
    }

    /// <summary>
    /// Moves the clock to <paramref name="target"/> at once, as a machine that slept through the interval sees it on
    /// waking: every timer that fell due on the way is due now, once, in the order it fell due, and a periodic one
    /// re-arms a period after now rather than firing for each period it missed. The timers fire on the next
    /// <see cref="AdvanceTo"/> (a <see cref="Simulation"/> runs them).
    /// </summary>
    public void JumpTo(DateTimeOffset target)
    {
        lock (_gate)
        {
            if (target <= _now) return;
            foreach (var t in _timers.Where(t => t.Due < target).OrderBy(t => t.Due).ThenBy(t => t.Sequence).ToList())
                t.Rearm(target, NextSequence());
            _now = target;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private long NextSequence() => ++_sequence;

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; private set; }
        public TimeSpan Period { get; private set; }
        public long Sequence { get; private set; }

        public void Rearm(DateTimeOffset due, long sequence)
        {
            Due = due;
            Sequence = sequence;
        }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                Due = owner._now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Sequence = owner.NextSequence();
                owner._timers.Add(this);
                return true;
            }
        }

        public void Dispose()
        {
            lock (owner._gate) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
