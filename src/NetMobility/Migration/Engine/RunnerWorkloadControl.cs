using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Engine;

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
