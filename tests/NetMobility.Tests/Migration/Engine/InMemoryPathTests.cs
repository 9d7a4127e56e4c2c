using NetMobility.Migration.Transports;
using NetMobility.Runtime;

namespace NetMobility.Tests.Migration.Engine;

public class InMemoryPathTests
{
    private static readonly DateTimeOffset Start = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("100M", 1e8)]
    [InlineData("1G", 1e9)]
    [InlineData("10g", 1e10)]
    [InlineData("2.5G", 2.5e9)]
    [InlineData("500k", 5e5)]
    [InlineData("64000", 64000)]
    public void Bandwidths_parse(string text, double expected)
    {
        Assert.True(PathModel.TryParseBandwidth(text, out double bps));
        Assert.Equal(expected, bps);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("-1G")]
    [InlineData("0M")]
    public void Bad_bandwidths_are_refused(string text) => Assert.False(PathModel.TryParseBandwidth(text, out _));

    [Fact]
    public async Task Virtual_time_moves_the_clock_by_the_serialisation_time_and_the_reply_arrives_a_round_trip_later()
    {
        var clock = new ManualTimeProvider(Start);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 100e6, Latency = TimeSpan.FromMilliseconds(10) }, clock);
        var source = await link.ConnectAsync(0, default);
        var destination = await link.AcceptAsync(default);

        // 1 MB at 100 Mbit/s takes 80 ms to serialise: the source is blocked that long.
        await source.Output.WriteAsync(new byte[1_000_000]);
        Assert.Equal(Start.AddMilliseconds(80), clock.GetUtcNow());

        var read = await destination.Input.ReadAsync();
        Assert.Equal(1_000_000, read.Buffer.Length);
        destination.Input.AdvanceTo(read.Buffer.End);
        // The destination lives at the arrival time: 80 ms plus 10 ms of latency.
        Assert.Equal(Start.AddMilliseconds(90), ((InMemoryChannel)destination).LastArrival);

        // Its 1000-octet reply leaves at 90 ms, takes 0.08 ms, and arrives 10 ms later.
        await destination.Output.WriteAsync(new byte[1000]);
        var reply = await source.Input.ReadAsync();
        source.Input.AdvanceTo(reply.Buffer.End);
        Assert.Equal(Start.AddTicks(1_000_800), ((InMemoryChannel)source).LastArrival);
        // Reading in the background does not move the source's clock; only waiting for the reply does.
        Assert.Equal(Start.AddMilliseconds(80), clock.GetUtcNow());
        source.ReplyAwaited();
        Assert.Equal(Start.AddTicks(1_000_800), clock.GetUtcNow());
    }

    /// <summary>A wall clock that moves a fixed step every time it is read, as a loaded machine's does between two readings.</summary>
    private sealed class SteppingWallClock(TimeSpan step) : TimeProvider
    {
        private long _ticks = Start.UtcTicks;
        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, step.Ticks), TimeSpan.Zero);
    }

    [Fact]
    public async Task A_real_time_link_whose_clock_moves_past_a_departure_while_it_decides_to_wait_does_not_fail()
    {
        // 3000 octets at 8 Mbit/s leave 3 ms after they are written; the clock moves 2.5 ms at every reading, so the
        // departure is ahead at one reading and 2 ms behind at the next: the wait must come from one reading, never
        // negative (Task.Delay refuses less than -1 ms, and takes -1 ms as forever).
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 8e6, VirtualTime = false }, new SteppingWallClock(TimeSpan.FromMilliseconds(2.5)));
        var channel = await link.ConnectAsync(0, default);
        for (int i = 0; i < 20; i++) await channel.Output.WriteAsync(new byte[3000]).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_link_says_whether_it_runs_in_virtual_time_and_only_then_moves_the_clock()
    {
        var clock = new ManualTimeProvider(Start);
        await using var virtualLink = new InMemoryPath(new PathModel { BitsPerSecond = 8e6 }, clock);
        await using var realLink = new InMemoryPath(new PathModel { BitsPerSecond = 8e9, VirtualTime = false }, clock);
        Assert.True(virtualLink.VirtualTime);
        Assert.False(realLink.VirtualTime);

        var real = await realLink.ConnectAsync(0, default);
        var write = real.Output.WriteAsync(new byte[1000]).AsTask();
        // 1 us of serialisation at 8 Gbit/s: the real-time link waits for the clock, it does not move it.
        Assert.Equal(Start, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await write;

        var moved = await virtualLink.ConnectAsync(0, default);
        await moved.Output.WriteAsync(new byte[1000]);
        Assert.Equal(Start.AddMilliseconds(2), clock.GetUtcNow());
    }

    [Fact]
    public void A_virtual_time_model_needs_the_clock_it_moves_whatever_the_clock_is_underneath()
    {
        // The link decides from what it is given, not from a type test on the clock: a ManualTimeProvider passed as
        // a plain TimeProvider is refused for virtual time, as the system clock is.
        TimeProvider hidden = new ManualTimeProvider(Start);
        var model = new PathModel { BitsPerSecond = 1e9 };
        Assert.Throws<ArgumentException>(() => new InMemoryPath(model, hidden));
        Assert.Throws<ArgumentException>(() => new InMemoryPath(model, TimeProvider.System));
        Assert.False(new InMemoryPath(model with { VirtualTime = false }, hidden).VirtualTime);
    }

    [Fact]
    public async Task Channels_share_the_link_bandwidth()
    {
        var clock = new ManualTimeProvider(Start);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 8e6 }, clock);
        var a = await link.ConnectAsync(0, default);
        var b = await link.ConnectAsync(1, default);
        await a.Output.WriteAsync(new byte[100_000]);
        await b.Output.WriteAsync(new byte[100_000]);
        // 200 kB at 1 MB/s, one after the other on the same link.
        Assert.Equal(Start.AddMilliseconds(200), clock.GetUtcNow());
    }

    [Fact]
    public async Task Real_time_flush_waits_on_the_clock_for_the_serialisation_time()
    {
        var clock = new ManualTimeProvider(Start);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 8e6, VirtualTime = false }, clock);
        var source = await link.ConnectAsync(0, default);
        source.Output.GetSpan(1000);
        source.Output.Advance(1000);
        var flush = source.Output.FlushAsync().AsTask();
        Assert.False(flush.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(0.5));
        Assert.False(flush.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(0.5));
        await flush;
    }

    [Fact]
    public async Task Cut_link_fails_both_ends()
    {
        var clock = new ManualTimeProvider(Start);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 1e9 }, clock);
        var source = (InMemoryChannel)await link.ConnectAsync(0, default);
        var destination = await link.AcceptAsync(default);
        var pending = destination.Input.ReadAsync().AsTask();
        source.Sever();
        await Assert.ThrowsAsync<IOException>(() => pending);
        await Assert.ThrowsAsync<IOException>(async () => await source.Output.WriteAsync(new byte[10]));
    }

    [Fact]
    public async Task Connection_set_to_drop_loses_the_flush_that_crosses_the_limit()
    {
        var clock = new ManualTimeProvider(Start);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = 1e9 }, clock);
        link.DropNextConnectionAfter(1500);
        var source = await link.ConnectAsync(0, default);
        var destination = await link.AcceptAsync(default);
        await source.Output.WriteAsync(new byte[1000]);
        await Assert.ThrowsAsync<IOException>(async () => await source.Output.WriteAsync(new byte[1000]));
        // The next connection is whole again.
        var again = await link.ConnectAsync(0, default);
        await again.Output.WriteAsync(new byte[10_000]);
        Assert.Equal(2, link.ConnectionsOpened);
    }
}
