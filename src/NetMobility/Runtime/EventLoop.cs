namespace NetMobility.Runtime;

/// <summary>
/// A single-threaded work queue: everything that touches links and node state runs as a work item here,
/// one at a time, in the order it was posted. <see cref="Post(Action{object?}, object?)"/> may be called
/// from any thread (a device reading on its own thread posts what it received); <see cref="RunUntilIdle"/>
/// runs on one thread at a time. Link deliveries and timer callbacks are posted, never run inside the
/// call that caused them, so work does not nest and an in-memory world replays identically every time.
/// </summary>
public sealed class EventLoop
{
    private readonly object _gate = new();
    private readonly Queue<WorkItem> _queue = new();
    private bool _running;
    private ManualResetEventSlim? _wakeup;

    public EventLoop(TimeProvider time) => Time = time;

    /// <summary>The clock every component on this loop reads and sets its timers on.</summary>
    public TimeProvider Time { get; }

    /// <summary>Work items posted and not yet run.</summary>
    public int Pending
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>Queues <paramref name="work"/> to run with <paramref name="state"/>; with a static callback this allocates nothing.</summary>
    public void Post(Action<object?> work, object? state)
    {
        ArgumentNullException.ThrowIfNull(work);
        ManualResetEventSlim? wakeup;
        lock (_gate)
        {
            _queue.Enqueue(new WorkItem(work, state));
            wakeup = _wakeup;
        }
        wakeup?.Set();
    }

    public void Post(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Post(static s => ((Action)s!)(), work);
    }

    /// <summary>
    /// Makes every later <see cref="Post(Action{object?}, object?)"/> set <paramref name="wakeup"/>: the
    /// signal a real-time driver waits on instead of polling the queue. One driver per loop.
    /// </summary>
    internal void SetWakeup(ManualResetEventSlim wakeup)
    {
        lock (_gate)
        {
            if (_wakeup is not null) throw new InvalidOperationException("the loop already has a driver");
            _wakeup = wakeup;
        }
    }

    /// <summary>A timer whose callback is posted to this loop when it falls due.</summary>
    public LoopTimer CreateTimer(Action<object?> callback, object? state) => new(this, callback, state);

    /// <summary>
    /// A timer on another clock than the loop's (a paused guest's, <see cref="GuestClock"/>, over the loop's own) whose
    /// callback is posted to this loop when it falls due.
    /// </summary>
    public LoopTimer CreateTimer(Action<object?> callback, object? state, TimeProvider clock) => new(this, callback, state, clock);

    /// <summary>
    /// Runs posted work, including work posted meanwhile, until the queue is empty; returns how many items ran.
    /// An exception from a work item propagates to the caller; the items behind it stay queued.
    /// </summary>
    public int RunUntilIdle()
    {
        lock (_gate)
        {
            if (_running) throw new InvalidOperationException("RunUntilIdle was called from inside a work item of the same loop");
            _running = true;
        }
        int ran = 0;
        try
        {
            while (true)
            {
                WorkItem item;
                lock (_gate)
                {
                    if (!_queue.TryDequeue(out item)) return ran;
                }
                item.Work(item.State);
                ran++;
            }
        }
        finally
        {
            lock (_gate) _running = false;
        }
    }

    private readonly record struct WorkItem(Action<object?> Work, object? State);
}
