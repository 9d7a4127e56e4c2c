namespace NetMobility.Migration.Relay;

/// <summary>
/// Wakes whoever waits for a change. Take <see cref="Next"/> before looking at the state it guards, then await it: a
/// change that lands in between has already completed that task, so nothing is missed.
/// </summary>
internal sealed class Pulse
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next
    {
        get
        {
            lock (_gate) return _next.Task;
        }
    }

    public void Fire()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }
}
