using NetMobility.Runtime;

namespace NetMobility.Tests.Runtime;

public class ManualTimeProviderTests
{
    [Fact]
    public void Timers_fire_in_due_order_and_see_their_own_due_time()
    {
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        var seen = new List<(string, TimeSpan)>();
        using var b = clock.CreateTimer(_ => seen.Add(("b", clock.GetUtcNow() - start)), null, TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
        using var a = clock.CreateTimer(_ => seen.Add(("a", clock.GetUtcNow() - start)), null, TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Equal([("a", TimeSpan.FromMilliseconds(100))], seen);
        Assert.Equal(TimeSpan.FromMilliseconds(150), clock.GetUtcNow() - start);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([("a", TimeSpan.FromMilliseconds(100)), ("b", TimeSpan.FromMilliseconds(200))], seen);
    }

    [Fact]
    public void Periodic_timers_fire_once_per_period_and_stop_when_disposed()
    {
        var clock = new ManualTimeProvider();
        int fired = 0;
        var t = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(3, fired);
        t.Dispose();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(3, fired);
        Assert.Null(clock.NextDue);
    }

    [Fact]
    public void A_callback_may_schedule_a_timer_that_falls_due_within_the_same_advance()
    {
        var clock = new ManualTimeProvider();
        var order = new List<int>();
        ITimer? second = null;
        using var first = clock.CreateTimer(_ =>
        {
            order.Add(1);
            second = clock.CreateTimer(_ => order.Add(2), null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        }, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromMilliseconds(25));
        Assert.Equal([1, 2], order);
        second!.Dispose();
    }

    [Fact]
    public void Change_reschedules_and_infinite_disarms()
    {
        var clock = new ManualTimeProvider();
        int fired = 0;
        using var t = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        t.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, fired);
        t.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, fired);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Delays_complete_when_the_clock_reaches_them()
    {
        var clock = new ManualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(2), clock);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_periodic_timer_that_fell_behind_a_jump_fires_once_and_rearms_from_then()
    {
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<TimeSpan>();
        using var periodic = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow() - start), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var once = clock.CreateTimer(_ => fired.Add(-(clock.GetUtcNow() - start)), null, TimeSpan.FromSeconds(2.5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(1));
        clock.JumpTo(start + TimeSpan.FromDays(3650));
        clock.Advance(TimeSpan.Zero);
        clock.Advance(TimeSpan.FromSeconds(2));

        var jump = TimeSpan.FromDays(3650);
        // 1 s on time; then the periodic timer (due at 2 s) and the one-shot (due at 2.5 s) once each at the jump, in the
        // order they fell due; then the periodic one a period after the jump, and again.
        Assert.Equal([TimeSpan.FromSeconds(1), jump, -jump, jump + TimeSpan.FromSeconds(1), jump + TimeSpan.FromSeconds(2)], fired);
    }

    [Fact]
    public void A_simulation_jump_runs_what_fell_due_once_at_the_target()
    {
        var simulation = new Simulation();
        var start = simulation.Now;
        var fired = new List<DateTimeOffset>();
        var timer = simulation.Loop.CreateTimer(_ => fired.Add(simulation.Now), null);
        timer.Schedule(TimeSpan.FromSeconds(5));

        simulation.JumpTo(start + TimeSpan.FromHours(1));

        Assert.Equal([start + TimeSpan.FromHours(1)], fired);
        Assert.Equal(start + TimeSpan.FromHours(1), simulation.Now);
    }
}
