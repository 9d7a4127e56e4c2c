using NetMobility.Runtime;

namespace NetMobility.Tests.Runtime;

/// <summary>The real-time driver, on the system clock: every wait is on an event with a time bound.</summary>
public class RealTimeLoopTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Work_posted_from_other_threads_runs_on_the_loop_thread_in_order()
    {
        var loop = new RealTimeLoop();
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        int loopThread = await loop.InvokeAsync(() => Environment.CurrentManagedThreadId);

        var seen = new List<(int Value, int Thread)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var poster = new Thread(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                int value = i;
                loop.Loop.Post(() => seen.Add((value, Environment.CurrentManagedThreadId)));
            }
            loop.Loop.Post(done.SetResult);
        });
        poster.Start();
        await done.Task.WaitAsync(Bound);

        Assert.NotEqual(Environment.CurrentManagedThreadId, loopThread);
        Assert.Equal(Enumerable.Range(0, 1000), seen.Select(s => s.Value));
        Assert.All(seen, s => Assert.Equal(loopThread, s.Thread));
        stop.Cancel();
        await running.WaitAsync(Bound);
        Assert.False(loop.IsRunning);
    }

    [Fact]
    public async Task A_loop_timer_on_the_system_clock_wakes_the_loop_and_runs_on_its_thread()
    {
        var loop = new RealTimeLoop();
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        int loopThread = await loop.InvokeAsync(() => Environment.CurrentManagedThreadId);
        var fired = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = await loop.InvokeAsync(() =>
        {
            var t = loop.Loop.CreateTimer(static s => ((TaskCompletionSource<int>)s!).SetResult(Environment.CurrentManagedThreadId), fired);
            t.Schedule(TimeSpan.FromMilliseconds(20));
            return t;
        });

        // Nothing else is posted: only the timer's own post can wake the loop to run the callback.
        Assert.Equal(loopThread, await fired.Task.WaitAsync(Bound));
        Assert.False(await loop.InvokeAsync(() => timer.IsArmed));
        timer.Dispose();
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_work_item_that_throws_ends_the_run_and_faults_the_task()
    {
        var loop = new RealTimeLoop();
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        bool ranAfter = false;
        loop.Loop.Post(() => throw new InvalidDataException("broken work item"));
        loop.Loop.Post(() => ranAfter = true);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => running.WaitAsync(Bound));
        Assert.Equal("broken work item", error.Message);
        Assert.False(ranAfter);
        Assert.Equal(1, loop.Loop.Pending);
        Assert.False(loop.IsRunning);
    }

    [Fact]
    public async Task A_loop_runs_on_one_thread_at_a_time_and_has_one_driver()
    {
        var loop = new RealTimeLoop();
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        await loop.InvokeAsync(() => { });

        Assert.Throws<InvalidOperationException>(() => loop.Run(CancellationToken.None));
        Assert.Throws<InvalidOperationException>(() => loop.Loop.SetWakeup(new ManualResetEventSlim()));
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public async Task Cancelling_before_any_work_stops_a_loop_that_is_waiting()
    {
        var loop = new RealTimeLoop();
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        await loop.InvokeAsync(() => { });
        stop.Cancel();
        await running.WaitAsync(Bound);
        Assert.True(running.IsCompletedSuccessfully);
    }
}
