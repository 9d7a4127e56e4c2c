using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

/// <summary>
/// A workload advanced in virtual time by the engine itself: at each catch-up it performs the writes the
/// clock's progress since the last one implies. Thread-safe: channels catch up from their own tasks.
/// </summary>
public sealed class VirtualWorkloadControl(Workload workload, MemoryImage image, TimeProvider clock) : IWorkloadControl
{
    private readonly object _gate = new();
    private DateTimeOffset _last = clock.GetUtcNow();
    private bool _paused;

    public string Name => workload.Name;

    public double Throttle
    {
        get => workload.Throttle;
        set => workload.Throttle = value;
    }

    public void CatchUp()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (!_paused && now > _last) workload.Advance(image, now - _last);
            _last = now;
        }
    }

    public ValueTask PauseAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (!_paused && now > _last) workload.Advance(image, now - _last);
            _last = now;
            _paused = true;
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask ResumeAsync()
    {
        lock (_gate)
        {
            _paused = false;
            _last = clock.GetUtcNow();
        }
        return ValueTask.CompletedTask;
    }
}
