using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

/// <summary>
/// How the source engine drives the guest: bring it up to the present (virtual time), pause it for
/// stop-and-copy, resume it (rollback, or the end of a failed migration), and throttle it. Pause and resume
/// are asynchronous because a real hypervisor answers them over its own channel (QEMU's QMP <c>stop</c> and
/// <c>cont</c>); pause returns once no guest write can land any more.
/// </summary>
public interface IWorkloadControl
{
    /// <summary>Lets the guest do the writes due up to now. A no-op when the guest runs on its own thread.</summary>
    void CatchUp();
    ValueTask PauseAsync(CancellationToken cancellationToken);
    ValueTask ResumeAsync();
    double Throttle { get; set; }
    string Name { get; }
}

/// <summary>A guest with nothing running: an image that stays as it is.</summary>
public sealed class NoWorkload : IWorkloadControl
{
    public void CatchUp() { }
    public ValueTask PauseAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    public ValueTask ResumeAsync() => ValueTask.CompletedTask;
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
    public ValueTask PauseAsync(CancellationToken cancellationToken)
    {
        runner.Pause();
        return ValueTask.CompletedTask;
    }

    public ValueTask ResumeAsync()
    {
        runner.Resume();
        return ValueTask.CompletedTask;
    }
}
