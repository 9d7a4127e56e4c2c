using NetMobility.Runtime;

namespace NetMobility.Tests.Runtime;

public class GuestClockTests
{
    [Fact]
    public void A_paused_guest_sees_no_time_pass_and_its_timers_fire_after_what_they_had_left()
    {
        var host = new ManualTimeProvider();
        var guest = new GuestClock(host);
        var start = guest.GetUtcNow();
        var fired = new List<TimeSpan>();
        using var timer = guest.CreateTimer(_ => fired.Add(host.GetUtcNow() - start), null, TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);

        host.Advance(TimeSpan.FromMilliseconds(40));
        guest.Pause();
        host.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Empty(fired);
        Assert.Equal(TimeSpan.FromMilliseconds(40), guest.GetUtcNow() - start);
        Assert.Equal(TimeSpan.FromMilliseconds(500), guest.PausedTotal);

        guest.Resume();
        host.Advance(TimeSpan.FromMilliseconds(59));
        Assert.Empty(fired);
        host.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([TimeSpan.FromMilliseconds(600)], fired);
        Assert.Equal(TimeSpan.FromMilliseconds(100), guest.GetUtcNow() - start);
    }

    [Fact]
    public void A_timer_cancelled_while_paused_stays_cancelled_and_pausing_twice_is_refused()
    {
        var host = new ManualTimeProvider();
        var guest = new GuestClock(host);
        int fired = 0;
        using var timer = guest.CreateTimer(_ => fired++, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        guest.Pause();
        Assert.Throws<InvalidOperationException>(guest.Pause);
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        guest.Resume();
        host.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, fired);
        Assert.Throws<InvalidOperationException>(guest.Resume);
    }
}
