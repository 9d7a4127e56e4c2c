using NetMobility.Migration.Engine;

namespace NetMobility.Scenario;

/// <summary>
/// The guest's control as the source engine drives it, coupled to the VM on the network: when the engine pauses the
/// guest for stop-and-copy the VM's network side pauses with it (<paramref name="paused"/>), and when it resumes it
/// after a failed migration the VM runs on at home (<paramref name="rolledBack"/>), at that instant of the network's clock.
/// </summary>
internal sealed class CoupledWorkloadControl(IWorkloadControl inner, Action paused, Action rolledBack) : IWorkloadControl
{
    private bool _paused;

    public string Name => inner.Name;

    public double Throttle
    {
        get => inner.Throttle;
        set => inner.Throttle = value;
    }

    public void CatchUp() => inner.CatchUp();

    public async ValueTask PauseAsync(CancellationToken cancellationToken)
    {
        await inner.PauseAsync(cancellationToken).ConfigureAwait(false);
        _paused = true;
        paused();
    }

    /// <summary>The engine resumes the guest after any failure; only one it had paused has a network side to give back.</summary>
    public async ValueTask ResumeAsync()
    {
        await inner.ResumeAsync().ConfigureAwait(false);
        if (!_paused) return;
        _paused = false;
        rolledBack();
    }
}
