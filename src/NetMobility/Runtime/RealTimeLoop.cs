namespace NetMobility.Runtime;

/// <summary>
/// Drives an <see cref="EventLoop"/> in real time, so the node, tunnel and agent code that a
/// <see cref="Simulation"/> runs on virtual time runs unchanged against real devices. The loop thread
/// sleeps in a wait on a signal that every <see cref="EventLoop.Post(Action{object?}, object?)"/> sets: a
/// device's reader thread posting a frame wakes it, and so does a timer, because a
/// <see cref="LoopTimer"/> on a real clock posts its callback when it falls due. Nothing spins and nothing
/// polls the clock.
/// </summary>
public sealed class RealTimeLoop
{
    private readonly ManualResetEventSlim _posted = new(false);
    private int _running;

    /// <summary>A loop on the system clock.</summary>
    public RealTimeLoop() : this(TimeProvider.System) { }

    /// <summary>A loop on <paramref name="time"/>, whose timers must call back on their own (a real clock, not a manual one).</summary>
    public RealTimeLoop(TimeProvider time)
    {
        Loop = new EventLoop(time);
        Loop.SetWakeup(_posted);
    }

    public EventLoop Loop { get; }

    /// <summary>True while <see cref="Run"/> is running on some thread.</summary>
    public bool IsRunning => Volatile.Read(ref _running) != 0;

    /// <summary>
    /// Runs posted work on the calling thread as it arrives until <paramref name="cancellationToken"/> is
    /// cancelled. An exception thrown by a work item ends the run and propagates; the items behind it stay queued.
    /// </summary>
    public void Run(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0) throw new InvalidOperationException("the loop is already running");
        try
        {
            using var registration = cancellationToken.UnsafeRegister(static s => ((ManualResetEventSlim)s!).Set(), _posted);
            while (!cancellationToken.IsCancellationRequested)
            {
                // Reset before draining: work posted from here on sets the signal again, so none is left waiting.
                _posted.Reset();
                Loop.RunUntilIdle();
                _posted.Wait();
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// Runs the loop on a new background thread until <paramref name="cancellationToken"/> is cancelled. The
    /// task completes when the thread stops, faulted with the exception of a work item that threw.
    /// </summary>
    public Task Start(CancellationToken cancellationToken)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(cancellationToken);
                stopped.SetResult();
            }
            catch (Exception e)
            {
                stopped.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "event loop",
        };
        thread.Start();
        return stopped.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the loop and hands back its result: how another thread reads or changes
    /// state that belongs to the loop (a node's counters, a host's pings) without racing it.
    /// </summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Loop.Post(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        return result.Task;
    }

    public Task InvokeAsync(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return InvokeAsync(() =>
        {
            work();
            return true;
        });
    }
}
