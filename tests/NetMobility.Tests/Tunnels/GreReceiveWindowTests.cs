using System.Buffers.Binary;
using FsCheck.Fluent;
using FsCheck;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

public class GreReceiveWindowTests
{
    private static readonly TimeSpan Timer = TimeSpan.FromMilliseconds(100);

    private sealed class Rig : IDisposable
    {
        public ManualTimeProvider Clock { get; } = new();
        public RecordingSink Sink { get; } = new();
        public TunnelCounters Counters { get; } = new();
        public GreReceiveWindow Window { get; }

        public Rig(int depth) =>
            Window = new GreReceiveWindow(new GreReorderOptions { MaxPerflowBuffer = depth, OutOfOrderTimer = Timer }, Clock, Sink, Counters);

        /// <summary>A packet whose payload names its sequence number, so delivery order can be read back.</summary>
        public void Send(params uint[] sequences)
        {
            foreach (uint s in sequences)
            {
                var payload = new byte[12];
                BinaryPrimitives.WriteUInt32BigEndian(payload, s);
                payload.AsSpan(4).Fill((byte)s);
                Window.Receive(s, EtherType.Ipv4, payload);
            }
        }

        public void Dispose() => Window.Dispose();
    }

    [Fact]
    public void In_order_packets_pass_straight_through()
    {
        using var rig = new Rig(depth: 4);
        rig.Send(0, 1, 2);
        Assert.Equal([0u, 1, 2], rig.Sink.Sequences());
        Assert.Equal(3u, rig.Window.NextExpected);
        Assert.Equal(0, rig.Window.Held);
        Assert.Equal(3, rig.Counters.PacketsIn);
        Assert.Equal(36, rig.Counters.BytesIn);
        Assert.Equal(0, rig.Counters.Reordered);
        Assert.Null(rig.Clock.NextDue);
    }

    [Fact]
    public void Packets_ahead_of_a_gap_wait_and_are_released_in_order_when_it_fills()
    {
        using var rig = new Rig(depth: 4);
        rig.Send(0, 3, 2);
        Assert.Equal([0u], rig.Sink.Sequences());
        Assert.Equal(2, rig.Window.Held);
        Assert.NotNull(rig.Clock.NextDue);

        rig.Send(1);
        Assert.Equal([0u, 1, 2, 3], rig.Sink.Sequences());
        Assert.Equal(0, rig.Window.Held);
        Assert.Equal(2, rig.Counters.Reordered);
        Assert.Equal(0, rig.Counters.TotalDropped);
        Assert.Equal(0, rig.Counters.SequenceGaps);
        // Held payloads come back byte for byte.
        Assert.Equal(Enumerable.Repeat((byte)3, 8), rig.Sink.Delivered[3].Payload[4..]);
    }

    [Fact]
    public void A_packet_older_than_the_last_delivered_is_late_and_dropped()
    {
        using var rig = new Rig(depth: 4);
        rig.Send(0, 1, 2, 1, 0);
        Assert.Equal([0u, 1, 2], rig.Sink.Sequences());
        Assert.Equal(2, rig.Counters.Dropped(TunnelDropReason.LateSequence));
    }

    [Fact]
    public void A_duplicate_of_a_held_packet_is_dropped()
    {
        using var rig = new Rig(depth: 4);
        rig.Send(0, 2, 2);
        Assert.Equal(1, rig.Window.Held);
        Assert.Equal(1, rig.Counters.Dropped(TunnelDropReason.DuplicateSequence));
    }

    [Fact]
    public void When_the_timer_runs_out_held_packets_are_flushed_in_order_past_the_gap_and_the_straggler_is_late()
    {
        using var rig = new Rig(depth: 8);
        rig.Send(0, 3, 2);
        rig.Clock.Advance(Timer - TimeSpan.FromTicks(1));
        Assert.Equal([0u], rig.Sink.Sequences());

        rig.Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal([0u, 2, 3], rig.Sink.Sequences());
        Assert.Equal(1, rig.Counters.TimerFlushes);
        Assert.Equal(1, rig.Counters.SequenceGaps);
        Assert.Equal(4u, rig.Window.NextExpected);
        Assert.Null(rig.Clock.NextDue);

        rig.Send(1);
        Assert.Equal(1, rig.Counters.Dropped(TunnelDropReason.LateSequence));
        Assert.Equal([0u, 2, 3], rig.Sink.Sequences());
    }

    [Fact]
    public void The_timer_flushes_only_up_to_the_newest_packet_that_has_waited_its_full_time()
    {
        using var rig = new Rig(depth: 8);
        rig.Send(0, 2);                                    // 2 waits from t = 0
        rig.Clock.Advance(TimeSpan.FromMilliseconds(50));
        rig.Send(5);                                       // 5 waits from t = 50 ms
        rig.Clock.Advance(TimeSpan.FromMilliseconds(50));  // t = 100 ms: 2 is due, 5 is not
        Assert.Equal([0u, 2], rig.Sink.Sequences());
        Assert.Equal(1, rig.Window.Held);

        rig.Send(3);                                       // fills part of the gap before 5
        Assert.Equal([0u, 2, 3], rig.Sink.Sequences());
        rig.Clock.Advance(TimeSpan.FromMilliseconds(50));  // t = 150 ms: 5 is due, 4 never came
        Assert.Equal([0u, 2, 3, 5], rig.Sink.Sequences());
        Assert.Equal(2, rig.Counters.SequenceGaps);        // 1 and 4
        Assert.Equal(2, rig.Counters.TimerFlushes);
    }

    [Fact]
    public void A_full_window_releases_its_oldest_packet_past_the_gap_to_make_room()
    {
        using var rig = new Rig(depth: 2);
        rig.Send(0, 2, 3);
        Assert.Equal(2, rig.Window.Held);
        rig.Send(5);
        // 2 goes out past gap 1, 3 follows in order, 5 waits for 4.
        Assert.Equal([0u, 2, 3], rig.Sink.Sequences());
        Assert.Equal(1, rig.Window.Held);
        Assert.Equal(1, rig.Counters.OverflowFlushes);
        Assert.Equal(1, rig.Counters.SequenceGaps);
        Assert.Equal(0, rig.Counters.TotalDropped);
    }

    [Fact]
    public void When_the_window_is_full_a_packet_older_than_every_held_one_goes_out_first()
    {
        using var rig = new Rig(depth: 2);
        rig.Send(0, 4, 5, 2);
        Assert.Equal([0u, 2], rig.Sink.Sequences());
        Assert.Equal(2, rig.Window.Held);
        rig.Send(3);
        Assert.Equal([0u, 2, 3, 4, 5], rig.Sink.Sequences());
        Assert.Equal(0, rig.Counters.TotalDropped);
    }

    [Fact]
    public void Depth_zero_delivers_ahead_packets_at_once_and_drops_the_reordered_one_as_late()
    {
        using var rig = new Rig(depth: 0);
        rig.Send(0, 2, 1, 3);
        Assert.Equal([0u, 2, 3], rig.Sink.Sequences());
        Assert.Equal(1, rig.Counters.Dropped(TunnelDropReason.LateSequence));
        Assert.Equal(1, rig.Counters.SequenceGaps);
        Assert.Null(rig.Clock.NextDue);
    }

    [Fact]
    public void Sequence_numbers_compare_across_the_wrap_at_two_to_the_32()
    {
        using var rig = new Rig(depth: 4);
        // 0xFFFFFFFE is 2 before 0 in serial order: late. Reach it in two hops of less than 2^31 instead,
        // each held until the timer gives up the gap.
        rig.Send(0xFFFF_FFFE);
        Assert.Equal(1, rig.Counters.Dropped(TunnelDropReason.LateSequence));
        rig.Send(0x7FFF_FFFF);
        rig.Clock.Advance(Timer);
        rig.Send(0xFFFF_FFFE);
        rig.Clock.Advance(Timer);
        Assert.Equal(0xFFFF_FFFFu, rig.Window.NextExpected);

        rig.Send(0, 0xFFFF_FFFF, 1, 0xFFFF_FFFD);
        Assert.Equal([0x7FFF_FFFFu, 0xFFFF_FFFE, 0xFFFF_FFFF, 0, 1], rig.Sink.Sequences());
        Assert.Equal(2, rig.Counters.Dropped(TunnelDropReason.LateSequence));
        Assert.Equal(2u, rig.Window.NextExpected);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.NotNull(new GreReorderOptions { MaxPerflowBuffer = -1 }.Validate());
        Assert.NotNull(new GreReorderOptions { MaxPerflowBuffer = GreReorderOptions.MaxDepth + 1 }.Validate());
        Assert.NotNull(new GreReorderOptions { OutOfOrderTimer = TimeSpan.Zero }.Validate());
        Assert.NotNull(new GreReorderOptions { OutOfOrderTimer = TimeSpan.FromMinutes(2) }.Validate());
        Assert.Null(new GreReorderOptions().Validate());
        Assert.Throws<ArgumentException>(() => new GreReceiveWindow(new GreReorderOptions { MaxPerflowBuffer = -1 }, new ManualTimeProvider(), new RecordingSink(), new TunnelCounters()));
    }

    [Fact]
    public void Serial_number_arithmetic_follows_rfc_1982()
    {
        Assert.True(SequenceNumber.IsBefore(0xFFFF_FFFF, 0));
        Assert.False(SequenceNumber.IsBefore(0, 0xFFFF_FFFF));
        Assert.True(SequenceNumber.IsBefore(1, 0x8000_0000));
        Assert.Equal(-1, SequenceNumber.Distance(0, 0xFFFF_FFFF));
        Assert.Equal(int.MaxValue, SequenceNumber.Distance(0, 0x7FFF_FFFF));
    }

    /// <summary>
    /// Any arrival order whose displacement stays within the window depth comes out complete and in order,
    /// with nothing dropped, held or given up, and without the timer being needed.
    /// </summary>
    [Fact]
    public void Reordering_within_the_depth_is_fully_repaired()
    {
        var gen =
            from depth in Gen.Choose(1, 16)
            from count in Gen.Choose(1, 60)
            from shuffled in Gen.Shuffle(Enumerable.Range(0, count))
            select (depth, Bounded(shuffled, depth));
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var rig = new Rig(c.depth);
            rig.Send(c.Item2.Select(i => (uint)i).ToArray());
            return rig.Sink.Sequences().SequenceEqual(Enumerable.Range(0, c.Item2.Length).Select(i => (uint)i))
                && rig.Counters.TotalDropped == 0 && rig.Counters.SequenceGaps == 0 && rig.Window.Held == 0;
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// Whatever arrives, in any order with any repeats and any pauses: deliveries are strictly increasing,
    /// the window never holds more than its depth, and every packet is delivered, held or counted as dropped.
    /// </summary>
    [Fact]
    public void Every_packet_is_accounted_for_and_deliveries_never_go_backwards()
    {
        var gen =
            from depth in Gen.Choose(0, 6)
            from steps in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 12), Gen.Choose(0, 3)))
            select (depth, steps);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            using var rig = new Rig(c.depth);
            bool bounded = true;
            foreach (var (seq, pause) in c.steps)
            {
                rig.Send((uint)seq);
                bounded &= rig.Window.Held <= c.depth;
                rig.Clock.Advance(TimeSpan.FromMilliseconds(40 * pause));
            }
            var seen = rig.Sink.Sequences();
            bool increasing = seen.Zip(seen.Skip(1)).All(p => SequenceNumber.IsBefore(p.First, p.Second));
            return bounded && increasing && seen.Length + rig.Window.Held + rig.Counters.TotalDropped == c.steps.Length;
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// Reorders 0..n-1 inside consecutive blocks of depth + 1, in the order <paramref name="shuffled"/> visits
    /// them: no packet lands more than depth places from home, so at most depth wait at once.
    /// </summary>
    private static int[] Bounded(IReadOnlyList<int> shuffled, int depth)
    {
        var rank = new int[shuffled.Count];
        for (int i = 0; i < shuffled.Count; i++) rank[shuffled[i]] = i;
        var result = new List<int>(shuffled.Count);
        for (int start = 0; start < shuffled.Count; start += depth + 1)
        {
            int end = Math.Min(shuffled.Count, start + depth + 1);
            result.AddRange(Enumerable.Range(start, end - start).OrderBy(i => rank[i]));
        }
        return result.ToArray();
    }
}
