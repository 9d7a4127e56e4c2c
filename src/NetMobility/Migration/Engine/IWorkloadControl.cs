using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

/// <summary>
/// How the source engine drives the guest: bring it up to the present (virtual time), pause it for
/// stop-and-copy, resume it (rollback, or the end of a failed migration), and throttle it.
/// </summary>
public interface IWorkloadControl
{
    /// <summary>Lets the guest do the writes due up to now. A no-op when the guest runs on its own thread.</summary>
    void CatchUp();
    void Pause();
    void Resume();
    double Throttle { get; set; }
    string Name { get; }
}

/// <summary>A guest with nothing running: an image that stays as it is.</summary>
public sealed class NoWorkload : IWorkloadControl
{
    public void CatchUp() { }
    public void Pause() { }
    public void Resume() { }
    public double Throttle { get; set; }
    public string Name => "none";
}

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

    public void Pause()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (!_paused && now > _last) workload.Advance(image, now - _last);
            _last = now;
            _paused = true;
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            _paused = false;
            _last = clock.GetUtcNow();
        }
    }
}

/// <summary>A workload running in real time on a <see cref="WorkloadRunner"/> thread.</summary>
public sealed class RunnerWorkloadControl(WorkloadRunner runner) : IWorkloadControl
{
    public string Name => runner.Workload.Name;

    public double Throttle
    {
        get => runner.Workload.Throttle;
        set => runner.Workload.Throttle = value;
    }

    public void CatchUp() { }
    public void Pause() => runner.Pause();
    public void Resume() => runner.Resume();
}
