using NetMobility.Runtime;

namespace NetMobility.Tests.Runtime;

public class EventLoopTests
{
    [Fact]
    public void Work_runs_in_post_order_and_work_posted_meanwhile_runs_after()
    {
        var loop = new EventLoop(new ManualTimeProvider());
        var order = new List<string>();
        loop.Post(() => { order.Add("a"); loop.Post(() => order.Add("c")); });
        loop.Post(() => order.Add("b"));
        Assert.Empty(order);
        Assert.Equal(2, loop.Pending);

        Assert.Equal(3, loop.RunUntilIdle());
        Assert.Equal(["a", "b", "c"], order);
        Assert.Equal(0, loop.Pending);
    }

    [Fact]
    public void Post_is_safe_from_many_threads()
    {
        var loop = new EventLoop(new ManualTimeProvider());
        var count = new int[1];
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 10_000; i++) loop.Post(static s => Interlocked.Increment(ref ((int[])s!)[0]), count);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(40_000, loop.RunUntilIdle());
        Assert.Equal(40_000, count[0]);
    }

    [Fact]
    public void Running_the_loop_from_inside_its_own_work_is_refused()
    {
        var loop = new EventLoop(new ManualTimeProvider());
        loop.Post(() => loop.RunUntilIdle());
        Assert.Throws<InvalidOperationException>(() => loop.RunUntilIdle());
    }

    [Fact]
    public void An_exception_leaves_the_work_behind_it_queued()
    {
        var loop = new EventLoop(new ManualTimeProvider());
        bool second = false;
        loop.Post(() => throw new InvalidDataException("boom"));
        loop.Post(() => second = true);
        Assert.Throws<InvalidDataException>(() => loop.RunUntilIdle());
        Assert.False(second);
        Assert.Equal(1, loop.RunUntilIdle());
        Assert.True(second);
    }

    [Fact]
    public void Timer_callbacks_run_on_the_loop_not_inside_the_clock()
    {
        var clock = new ManualTimeProvider();
        var loop = new EventLoop(clock);
        int fired = 0;
        using var timer = loop.CreateTimer(_ => fired++, null);
        timer.Schedule(TimeSpan.FromSeconds(1));
        Assert.True(timer.IsArmed);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, fired);
        Assert.Equal(1, loop.RunUntilIdle());
        Assert.Equal(1, fired);
        Assert.False(timer.IsArmed);
    }

    [Fact]
    public void Cancelling_or_rearming_after_the_clock_fired_suppresses_the_stale_callback()
    {
        var clock = new ManualTimeProvider();
        var loop = new EventLoop(clock);
        int fired = 0;
        using var timer = loop.CreateTimer(_ => fired++, null);

        timer.Schedule(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        timer.Cancel();
        loop.RunUntilIdle();
        Assert.Equal(0, fired);

        timer.Schedule(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        timer.Schedule(TimeSpan.FromSeconds(5));
        loop.RunUntilIdle();
        Assert.Equal(0, fired);
        clock.Advance(TimeSpan.FromSeconds(5));
        loop.RunUntilIdle();
        Assert.Equal(1, fired);
    }

    [Fact]
    public void Simulation_runs_timers_at_their_instants_and_drains_work_between_them()
    {
        var sim = new Simulation();
        var start = sim.Now;
        var seen = new List<(string What, TimeSpan At)>();
        using var late = sim.Loop.CreateTimer(_ => seen.Add(("late", sim.Now - start)), null);
        using var early = sim.Loop.CreateTimer(_ =>
        {
            seen.Add(("early", sim.Now - start));
            // Work posted by a timer runs at the timer's instant, before the clock moves on.
            sim.Loop.Post(() => seen.Add(("posted", sim.Now - start)));
            late.Schedule(TimeSpan.FromMilliseconds(30));
        }, null);
        early.Schedule(TimeSpan.FromMilliseconds(10));

        sim.RunFor(TimeSpan.FromMilliseconds(100));

        Assert.Equal(
            [("early", TimeSpan.FromMilliseconds(10)), ("posted", TimeSpan.FromMilliseconds(10)), ("late", TimeSpan.FromMilliseconds(40))],
            seen);
        Assert.Equal(TimeSpan.FromMilliseconds(100), sim.Now - start);
    }
}
