namespace NetMobility.Migration.Workloads;

/// <summary>
/// Runs a <see cref="Workload"/> in real time on its own thread: at every tick of a <see cref="TimeProvider"/>
/// timer it advances the workload by the time that passed since the last tick. <see cref="Pause"/> returns
/// only after any write in progress has finished, so the final stop-and-copy round sees a still image.
/// </summary>
public sealed class WorkloadRunner : IAsyncDisposable
{
    private readonly Workload _workload;
    private readonly MemoryImage _image;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _tick;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _due = new(false);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _timer;
    private Thread? _thread;
    private long _last;
    private bool _paused;
    private volatile bool _stopping;
    private volatile bool _pauseAsked;
    private const int WritesPerSlice = 8;
    private long _ticks;

    /// <param name="tick">How often the workload is advanced; 1 ms by default.</param>
    public WorkloadRunner(Workload workload, MemoryImage image, TimeProvider clock, TimeSpan? tick = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(clock);
        _tick = tick ?? TimeSpan.FromMilliseconds(1);
        if (_tick <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(tick), "the tick must be positive");
        _workload = workload;
        _image = image;
        _clock = clock;
    }

    public Workload Workload => _workload;

    public bool IsPaused
    {
        get { lock (_gate) return _paused; }
    }

    /// <summary>Ticks handled so far (paused ticks included).</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>Raised on the runner thread after each tick has been handled.</summary>
    public event Action? Ticked;

    /// <summary>Completes when the runner thread has ended; faults if the workload threw.</summary>
    public Task Completion => _completion.Task;

    public void Start()
    {
        lock (_gate)
        {
            if (_thread is not null) throw new InvalidOperationException("the runner has already started");
            _last = _clock.GetTimestamp();
            _thread = new Thread(Run) { IsBackground = true, Name = $"workload {_workload.Name}" };
            _thread.Start();
            _timer = _clock.CreateTimer(static state => ((WorkloadRunner)state!)._due.Set(), this, _tick, _tick);
        }
    }

    /// <summary>Stops the guest: no write happens after this returns, until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        // Said first without the lock: a runner catching up stops before its next slice instead of racing for the lock.
        _pauseAsked = true;
        lock (_gate) _paused = true;
    }

    /// <summary>Lets the guest run again; the paused time is not charged to it.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            _paused = false;
            _pauseAsked = false;
            _last = _clock.GetTimestamp();
        }
    }

    /// <summary>Asks the runner thread to end; <see cref="Completion"/> tells when it has.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            _timer?.Dispose();
            if (_thread is null) _completion.TrySetResult();
        }
        _due.Set();
    }

    // The wake-up event is not disposed: a timer callback already in flight may still set it.
    public async ValueTask DisposeAsync()
    {
        Stop();
        await _completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Does the writes due since the last tick in slices of a few writes (at most a tick), taking the lock for each:
    /// <see cref="Pause"/> waits for one slice at most, not for a tick's writes or the backlog of a runner that fell
    /// behind (its thread not scheduled for a while).
    /// </summary>
    private void CatchUp()
    {
        double seconds = _tick.TotalSeconds;
        if (_workload.PagesPerSecond > 0) seconds = Math.Min(seconds, WritesPerSlice / _workload.PagesPerSecond);
        long slice = Math.Max(1, (long)(seconds * _clock.TimestampFrequency));
        while (!_stopping && !_pauseAsked)
        {
            lock (_gate)
            {
                if (_paused) return;
                long now = _clock.GetTimestamp();
                long due = now - _last;
                if (due <= 0) return;
                long step = Math.Min(due, slice);
                _workload.Advance(_image, _clock.GetElapsedTime(_last, _last + step));
                _last += step;
                if (step == due) return;
            }
        }
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                _due.Wait();
                _due.Reset();
                if (_stopping) break;
                CatchUp();
                Interlocked.Increment(ref _ticks);
                Ticked?.Invoke();
            }
            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            _completion.TrySetException(ex);
        }
    }
}
