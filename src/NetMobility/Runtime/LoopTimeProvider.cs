namespace NetMobility.Runtime;

/// <summary>
/// The loop's clock as a <see cref="TimeProvider"/> whose timers run their callbacks as work items of the
/// <see cref="EventLoop"/>, so a component written against <see cref="TimeProvider"/> (a tunnel's receive
/// window, say) keeps to the loop's one-thing-at-a-time rule when it lives on a node.
/// </summary>
public sealed class LoopTimeProvider(EventLoop loop) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => loop.Time.GetUtcNow();
    public override long GetTimestamp() => loop.Time.GetTimestamp();
    public override long TimestampFrequency => loop.Time.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => loop.Time.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new PostedTimer(loop, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>An <see cref="ITimer"/> over a <see cref="LoopTimer"/>; a periodic one re-arms itself each time it runs.</summary>
    private sealed class PostedTimer : ITimer
    {
        private readonly LoopTimer _timer;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public PostedTimer(EventLoop loop, TimerCallback callback, object? state)
        {
            _callback = callback;
            _state = state;
            _timer = loop.CreateTimer(static s => ((PostedTimer)s!).Run(), this);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            if (dueTime == Timeout.InfiniteTimeSpan) _timer.Cancel();
            else _timer.Schedule(dueTime);
            return true;
        }

        private void Run()
        {
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero) _timer.Schedule(_period);
            _callback(_state);
        }

        public void Dispose() => _timer.Dispose();

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
