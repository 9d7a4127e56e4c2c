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
