namespace NetMobility.Host;

public sealed partial class AgentNode
{
    private TaskCompletionSource _nextChange = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Counts the changes of what <c>status</c> shows apart from counters: a binding decided or expired, a visitor's
    /// registration relayed, a tunnel opened or closed, a link up or down, a hosted VM attached, detached, handed over or
    /// changing its registration state, a reload. Read on the loop.
    /// </summary>
    public long Generation { get; private set; }

    /// <summary>
    /// Completes at the first change after <paramref name="seen"/> (at once when there was one already), so that a
    /// client that read a status can wait for the next without asking again and again. Called on the loop.
    /// </summary>
    public Task ChangeAfter(long seen) => Generation != seen ? Task.CompletedTask : _nextChange.Task;

    private void Changed()
    {
        Generation++;
        var reached = _nextChange;
        _nextChange = new(TaskCreationOptions.RunContinuationsAsynchronously);
        reached.TrySetResult();
    }
}
