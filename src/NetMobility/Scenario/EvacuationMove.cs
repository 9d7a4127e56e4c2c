using NetMobility.Wire;
using NetMobility.Mobility.Registration;

namespace NetMobility.Scenario;

/// <summary>
/// What the network does at the moments of one VM's migration in an evacuation, as <see cref="LiveMigrationScenario"/>
/// does for its one VM: at the pause the VM's clock and ports stop and the source host hands its traffic to the home
/// agent; once the image is verified the destination plugs the VM's port into the foreign link and registers it; the
/// release commits the home agent's hand-over; at the resume the VM runs at the destination. A refused image resumes it
/// at home and cancels the hand-over. The instants are kept on the network's clock.
/// </summary>
internal sealed class EvacuationMove(ScenarioTopology net, ScenarioVm vm) : IDisposable
{
    private SourceHostPort? _foreignPort;

    public ScenarioVm Vm => vm;
    public DateTimeOffset? Paused { get; private set; }
    public DateTimeOffset? RegistrationStarted { get; private set; }
    public DateTimeOffset? Released { get; private set; }
    public DateTimeOffset? Resumed { get; private set; }
    public DateTimeOffset? RolledBack { get; private set; }
    public DateTimeOffset? Registered { get; private set; }
    public long RequestsAtStart { get; private set; }

    public MigrationMoments Moments => new()
    {
        Paused = Pause,
        Verified = RegisterAhead,
        Released = Release,
        Resumed = ResumeAway,
        RolledBack = ResumeAtHome,
    };

    public void Dispose() => _foreignPort?.Dispose();

    private void Pause()
    {
        vm.Clock.Pause();
        vm.Port.Pause();
        vm.SourcePort.Pause();
        if (!net.HomeAgent.BeginHandover(vm.Address, vm.Mac, untilCommitted: true))
            throw new InvalidOperationException($"the home agent does not serve {vm.Address}");
        vm.SourcePort.HandOver(net.HaHome.Mac);
        Paused = net.Sim.Now;
    }

    private void RegisterAhead(byte[] deviceState)
    {
        if (!VmDeviceState.TryParse(deviceState, out var state, out _, out var error))
            throw new InvalidOperationException($"the destination verified vm {vm.Address} but cannot read its device state: {error.Describe()}");
        _foreignPort = new SourceHostPort(net.ForeignLink.AddPort($"vm{vm.Index}@foreign", state.Mac));
        vm.Port.Client.StateChanged += OnRegistrationState;
        RegistrationStarted = net.Sim.Now;
        RequestsAtStart = vm.Port.Client.RequestsSent;
        vm.Port.RegisterAhead(_foreignPort);
    }

    private void Release()
    {
        net.HomeAgent.CommitHandover(vm.Address);
        Released = net.Sim.Now;
    }

    private void ResumeAway()
    {
        Resumed = net.Sim.Now;
        vm.Port.ResumeAway(_foreignPort ?? throw new InvalidOperationException($"vm {vm.Address} resumes at the destination before it was plugged in there"));
        vm.Clock.Resume();
    }

    private void ResumeAtHome()
    {
        vm.SourcePort.ResumeHere();
        vm.Port.StartAtHome(vm.SourcePort);
        net.HomeAgent.CancelHandover(vm.Address);
        vm.Clock.Resume();
        Resumed = RolledBack = net.Sim.Now;
    }

    private void OnRegistrationState(RegistrationClient client)
    {
        if (client.State == RegistrationState.Registered && Registered is null) Registered = net.Sim.Now;
    }
}
