namespace NetMobility.Runtime;

/// <summary>
/// A one-shot timer kept on the earliest of a changing set of deadlines: a role whose state runs out (bindings,
/// visitors, held packets) calls <see cref="Arm"/> with its next deadline after every change, and the callback
/// runs once when that time comes (at once when it has passed).
/// </summary>
public sealed class DeadlineTimer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public DeadlineTimer(TimeProvider time, Action due)
    {
        ArgumentNullException.ThrowIfNull(due);
        _time = time;
        _timer = time.CreateTimer(static state => ((Action)state!)(), due, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Fires at <paramref name="due"/>; null disarms.</summary>
    public void Arm(DateTimeOffset? due)
    {
        if (due is not { } at)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var wait = at - _time.GetUtcNow();
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();
}
