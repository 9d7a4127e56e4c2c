using NetMobility.Migration.Engine;

namespace NetMobility.Lab.Vm;

/// <summary>
/// A QEMU guest as the page engine's source drives it: pause is QMP <c>stop</c> (answered once the vCPUs are stopped, so
/// no guest write lands after it), resume is <c>cont</c> (a rollback resumes the guest where it was). The guest runs on
/// its own, so there is nothing to catch up, and nothing throttles it.
/// </summary>
public sealed class QemuWorkloadControl(QemuMonitor guest) : IWorkloadControl
{
    public string Name => $"qemu {guest}";

    public double Throttle { get; set; }

    public void CatchUp() { }

    public async ValueTask PauseAsync(CancellationToken cancellationToken) => await guest.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask ResumeAsync() => await guest.ContAsync().ConfigureAwait(false);
}
