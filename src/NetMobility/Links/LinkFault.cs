namespace NetMobility.Links;

/// <summary>
/// Why a device link stopped carrying frames, set once by its reader thread (the first reason wins) and awaitable:
/// an owner either checks <see cref="Reason"/> on its own tick or awaits <see cref="Raised"/>.
/// </summary>
public sealed class LinkFault
{
    private readonly TaskCompletionSource<string> _raised = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The reason, or null while the device is healthy.</summary>
    public string? Reason => _raised.Task.IsCompleted ? _raised.Task.Result : null;

    /// <summary>Completes with the reason when the device fails.</summary>
    public Task<string> Raised => _raised.Task;

    /// <summary>Records <paramref name="reason"/> unless a fault is recorded already.</summary>
    public void Set(string reason) => _raised.TrySetResult(reason);
}
