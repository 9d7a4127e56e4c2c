namespace NetMobility.Runtime;

/// <summary>
/// The clock of a guest that can be paused, as a VM's clock is across a live migration: while the guest is paused
/// its time stands still and its timers do not fire; when it resumes, time goes on from where it stopped and each
/// timer fires after the time it still had to run (QEMU keeps a paused guest's kvmclock still in the same way).
/// Built over the host's clock; the time the guest spent paused is <see cref="PausedTotal"/>. Timers are the host
/// clock's, re-armed on pause and resume; their callbacks run where the host clock runs them.
/// </summary>
public sealed class GuestClock : TimeProvider
{
    private readonly TimeProvider _host;
    private readonly object _gate = new();
    private readonly HashSet<GuestTimer> _armed = [];
    private DateTimeOffset? _pausedAt;
    private TimeSpan _pausedTotal;

    public GuestClock(TimeProvider host) => _host = host ?? throw new ArgumentNullException(nameof(host));

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused
    {
        get { lock (_gate) return _pausedAt is not null; }
    }

    /// <summary>Host time the guest spent paused, a pause still going on included.</summary>
    public TimeSpan PausedTotal
    {
        get
        {
            lock (_gate) return _pausedTotal + (_pausedAt is { } at ? _host.GetUtcNow() - at : TimeSpan.Zero);
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return (_pausedAt ?? _host.GetUtcNow()) - _pausedTotal;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override TimeZoneInfo LocalTimeZone => _host.LocalTimeZone;

    /// <summary>Stops the guest's time: armed timers keep what they still had to run.</summary>
    public void Pause()
    {
        GuestTimer[] armed;
        lock (_gate)
        {
            if (_pausedAt is not null) throw new InvalidOperationException("the guest clock is already paused");
            _pausedAt = _host.GetUtcNow();
            armed = [.. _armed];
        }
        foreach (var timer in armed) timer.Suspend();
    }

    /// <summary>The guest's time goes on from where it stopped; armed timers run out what they had left.</summary>
    public void Resume()
    {
        GuestTimer[] armed;
        lock (_gate)
        {
            if (_pausedAt is not DateTimeOffset at) throw new InvalidOperationException("the guest clock is not paused");
            _pausedTotal += _host.GetUtcNow() - at;
            _pausedAt = null;
            armed = [.. _armed];
        }
        foreach (var timer in armed) timer.Rearm();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new GuestTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>A timer on guest time: it remembers the guest instant it is due at and arms a host timer for the rest.</summary>
    private sealed class GuestTimer : ITimer
    {
        private readonly GuestClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _host;
        private DateTimeOffset _due;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public GuestTimer(GuestClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
            _host = clock._host.CreateTimer(static s => ((GuestTimer)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            lock (_clock._gate)
            {
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    _clock._armed.Remove(this);
                    _host.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    return true;
                }
                if (dueTime < TimeSpan.Zero) dueTime = TimeSpan.Zero;
                _due = _clock.GetUtcNow() + dueTime;
                _clock._armed.Add(this);
                _host.Change(_clock._pausedAt is null ? dueTime : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            return true;
        }

        public void Suspend() => _host.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        public void Rearm()
        {
            lock (_clock._gate)
            {
                if (!_clock._armed.Contains(this)) return;
                var left = _due - _clock.GetUtcNow();
                _host.Change(left < TimeSpan.Zero ? TimeSpan.Zero : left, Timeout.InfiniteTimeSpan);
            }
        }

        private void Fire()
        {
            lock (_clock._gate)
            {
                if (_clock._pausedAt is not null || !_clock._armed.Remove(this)) return;
            }
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero) Change(_period, _period);
            _callback(_state);
        }

        public void Dispose()
        {
            lock (_clock._gate) _clock._armed.Remove(this);
            _host.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
