namespace NetMobility.Migration.Engine;

/// <summary>Where the VM stands from one host's point of view.</summary>
public enum VmState
{
    /// <summary>Source: the VM runs here (before, during pre-copy, and again after a rollback).</summary>
    Running,
    /// <summary>Source: paused for stop-and-copy; it can still resume here.</summary>
    Paused,
    /// <summary>Source: the destination confirmed the verified image and the VM was handed over; it never runs here again.</summary>
    Released,
    /// <summary>Destination: receiving pages; the VM does not run here.</summary>
    Receiving,
    /// <summary>Destination: image verified and ready sent; waiting for commit.</summary>
    Verified,
    /// <summary>Destination: commit received; the VM runs here.</summary>
    Resumed,
    /// <summary>Destination: the stream failed; the session is gone.</summary>
    Rejected,
}

/// <summary>
/// The VM's ownership on one host as an explicit state machine, so that "the VM never runs in two places"
/// is a property of the transitions: the source goes Running -> Paused -> Released only on the
/// destination's ready, and Paused -> Running on failure; the destination goes Receiving -> Verified ->
/// Resumed only on commit, which the source sends after it has released. Transitions out of order throw.
/// </summary>
public sealed class VmOwnership
{
    private readonly object _gate = new();
    private VmState _state;

    private VmOwnership(VmState initial) => _state = initial;

    public static VmOwnership AtSource() => new(VmState.Running);
    public static VmOwnership AtDestination() => new(VmState.Receiving);

    public VmState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>True when the VM may execute on this host.</summary>
    public bool RunsHere => State is VmState.Running or VmState.Resumed;

    public void Pause() => Move(VmState.Running, VmState.Paused);
    public void RollBack() => Move(VmState.Paused, VmState.Running);
    public void Release() => Move(VmState.Paused, VmState.Released);
    public void Verify() => Move(VmState.Receiving, VmState.Verified);
    public void Commit() => Move(VmState.Verified, VmState.Resumed);

    public void Reject()
    {
        lock (_gate)
        {
            if (_state is not (VmState.Receiving or VmState.Verified))
                throw new InvalidOperationException($"cannot reject a VM that is {_state}");
            _state = VmState.Rejected;
        }
    }

    private void Move(VmState from, VmState to)
    {
        lock (_gate)
        {
            if (_state != from) throw new InvalidOperationException($"the VM is {_state}, not {from}: cannot become {to}");
            _state = to;
        }
    }
}
