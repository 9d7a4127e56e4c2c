using NetMobility.Migration.Policies;

namespace NetMobility.Tests.Migration.Policies;

public class StopPolicyTests
{
    private const long Pages = 262_144; // 1 GiB
    private const int PageSize = 4096;
    private const double Link = 125_000_000; // 1 Gbit/s in octets per second

    /// <summary>
    /// Runs a policy over a scripted pattern: round r sends what round r-1 left dirty (all pages in round 1)
    /// raw at the link rate, and leaves <paramref name="dirtyAfter"/>(r, throttle) pages dirty.
    /// Returns the round the policy stopped after, its reason and the throttles it asked for.
    /// </summary>
    private static (int Round, string Reason, List<double> Throttles) Script(IStopPolicy policy, Func<int, double, long> dirtyAfter, int limit = 100, TimeSpan latency = default)
    {
        policy.Begin(Pages, PageSize);
        long toSend = Pages, totalPages = 0, totalBytes = 0;
        var elapsed = TimeSpan.Zero;
        double throttle = 0;
        var throttles = new List<double>();
        for (int round = 1; round <= limit; round++)
        {
            long wire = toSend * PageSize;
            var duration = TimeSpan.FromSeconds(wire / Link);
            totalPages += toSend;
            totalBytes += wire;
            elapsed += duration;
            long dirty = dirtyAfter(round, throttle);
            var stats = new RoundStatistics
            {
                Round = round, MemoryPages = Pages, PageSize = PageSize, PagesSent = toSend, WireBytes = wire,
                Duration = duration, DirtyPages = dirty, TotalPagesSent = totalPages, TotalWireBytes = totalBytes, Elapsed = elapsed,
                Latency = latency,
            };
            var decision = policy.AfterRound(stats);
            throttle = decision.Throttle;
            throttles.Add(throttle);
            if (decision.Stop) return (round, decision.Reason, throttles);
            toSend = dirty;
        }
        throw new Xunit.Sdk.XunitException($"{policy.Name} did not stop in {limit} rounds");
    }

    [Fact]
    public void Xen_legacy_stops_when_fewer_than_50_pages_are_dirty()
    {
        var (round, reason, _) = Script(new XenLegacyPolicy(), (r, _) => r switch { 1 => 5000, 2 => 400, 3 => 60, _ => 49 });
        Assert.Equal(4, round);
        Assert.Contains("fewer than 50", reason);
    }

    [Fact]
    public void Xen_legacy_stops_at_50_dirty_pages_only_one_round_later()
    {
        var (round, _, _) = Script(new XenLegacyPolicy(), (r, _) => r == 1 ? 50 : 10);
        Assert.Equal(2, round);
    }

    [Fact]
    public void Xen_legacy_stops_after_29_iterations_on_a_steady_hot_set()
    {
        var (round, reason, throttles) = Script(new XenLegacyPolicy(), (_, _) => 2000);
        Assert.Equal(29, round);
        Assert.Contains("29 iterations", reason);
        Assert.All(throttles, t => Assert.Equal(0, t));
    }

    [Fact]
    public void Xen_legacy_stops_once_more_than_3_x_memory_is_sent()
    {
        // Writing most of memory every round: 1 + 0.9 + 0.9 + 0.9 = 3.7 x memory after round 4, 2.8 after round 3.
        var (round, reason, _) = Script(new XenLegacyPolicy(), (_, _) => Pages * 9 / 10);
        Assert.Equal(4, round);
        Assert.Contains("3 x memory", reason);
    }

    [Fact]
    public void Xen_v2_stops_after_5_iterations_or_under_50_pages()
    {
        Assert.Equal(5, Script(new XenStreamV2Policy(), (_, _) => 2000).Round);
        Assert.Equal(2, Script(new XenStreamV2Policy(), (r, _) => r == 1 ? 2000 : 3).Round);
    }

    [Fact]
    public void Qemu_stops_when_remaining_dirty_bytes_fit_the_downtime_limit()
    {
        // 300 ms at 1 Gbit/s is 37.5 MB, 9155 pages: 9000 dirty pages fit, 9300 do not.
        var (round, reason, _) = Script(new QemuPolicy(autoConverge: false), (r, _) => r == 1 ? 9300 : 9000);
        Assert.Equal(2, round);
        Assert.Contains("downtime limit", reason);
    }

    [Fact]
    public void Qemu_honours_a_smaller_downtime_limit()
    {
        var (round, _, _) = Script(new QemuPolicy(false, TimeSpan.FromMilliseconds(30)), (r, _) => r switch { 1 => 9000, 2 => 2000, _ => 900 });
        Assert.Equal(3, round);
    }

    [Fact]
    public void Qemu_without_auto_converge_never_throttles_and_never_gives_up()
    {
        var error = Assert.Throws<Xunit.Sdk.XunitException>(() => Script(new QemuPolicy(false), (_, _) => Pages / 2, limit: 200));
        Assert.Contains("did not stop", error.Message);
        var (round, reason, throttles) = Script(new QemuPolicy(false, maxRounds: 30), (_, _) => Pages / 2);
        Assert.Equal(30, round);
        Assert.Contains("forced", reason);
        Assert.All(throttles, t => Assert.Equal(0, t));
    }

    [Fact]
    public void Qemu_auto_converge_throttles_20_then_plus_10_every_second_high_period_up_to_99()
    {
        // Round 1 dirties exactly half of what it sent (not more); from round 2 on the dirtied bytes equal
        // the bytes sent, so the trigger fires at rounds 3, 5, 7 ... (every round here lasts over a second).
        var (_, _, throttles) = Script(new QemuPolicy(true, maxRounds: 24), (_, _) => Pages / 2);
        Assert.Equal([0, 0, 0.2, 0.2, 0.3, 0.3], throttles.Take(6).Select(t => Math.Round(t, 2)));
        Assert.Equal(0.99, Math.Round(throttles[^1], 2));
    }

    [Fact]
    public void Qemu_auto_converge_counts_high_periods_even_when_not_in_a_row()
    {
        // High, low, high: QEMU's counter is not reset by a low period, so the second high one throttles.
        var (_, _, throttles) = Script(new QemuPolicy(true, maxRounds: 5), (r, _) => r % 2 == 0 ? Pages / 2 : Pages / 4);
        Assert.Equal([0, 0, 0, 0.2], throttles.Take(4).Select(t => Math.Round(t, 2)));
    }

    [Fact]
    public void Qemu_auto_converge_judges_periods_of_at_least_a_second()
    {
        // 2000 pages a round at 1 Gbit/s take 66 ms: rounds add up into periods of a second before they are judged.
        var policy = new QemuPolicy(true, TimeSpan.FromMilliseconds(1), maxRounds: 40);
        var (_, _, throttles) = Script(policy, (_, _) => 2000);
        int firstThrottled = throttles.FindIndex(t => t > 0) + 1;
        // Round 1 (8.6 s) is a period of its own (not high); then 16 rounds of 66 ms make the next period, 16 more the one after.
        Assert.InRange(firstThrottled, 30, 36);
    }

    [Fact]
    public void Qemu_checks_mid_round_against_its_bandwidth_estimate()
    {
        var qemu = new QemuPolicy(false);
        Assert.True(qemu.FitsMidRound(37_500_000, Link));
        Assert.False(qemu.FitsMidRound(37_600_000, Link));
        Assert.False(qemu.FitsMidRound(0, 0));
        Assert.False(new XenLegacyPolicy() is IStopPolicy xen && xen.FitsMidRound(0, Link));
    }

    [Fact]
    public void Qemu_auto_converge_converges_a_workload_that_slows_with_the_throttle()
    {
        var (_, reason, throttles) = Script(new QemuPolicy(true), (_, t) => (long)(60_000 * (1 - t)));
        Assert.Contains("downtime limit", reason);
        Assert.True(throttles[^1] >= 0.8, $"throttle {throttles[^1]}");
    }

    [Fact]
    public void Xen_v2_sends_the_last_dirty_pages_live_and_legacy_skips_pages_written_again()
    {
        Assert.True(new XenStreamV2Policy().AfterRound(new RoundStatistics
        {
            Round = 2, MemoryPages = Pages, PageSize = PageSize, PagesSent = 100, WireBytes = 409_600, Duration = TimeSpan.FromMilliseconds(4),
            DirtyPages = 10, TotalPagesSent = Pages + 100, TotalWireBytes = (Pages + 100) * PageSize, Elapsed = TimeSpan.FromSeconds(9),
        }).FinishLive);
        IStopPolicy legacy = new XenLegacyPolicy(), v2 = new XenStreamV2Policy();
        Assert.True(legacy.SkipsRedirtiedPages);
        Assert.False(v2.SkipsRedirtiedPages);
    }

    [Fact]
    public void Adaptive_stops_at_once_when_the_predicted_downtime_meets_the_target()
    {
        // 5 pages at 1 Gbit/s: 0.16 ms, under the 0.25 ms target.
        var (round, reason, _) = Script(new AdaptivePolicy(), (_, _) => 5);
        Assert.Equal(1, round);
        Assert.Contains("target", reason);
    }

    [Fact]
    public void Adaptive_on_a_known_short_link_cuts_the_transfer_to_a_quarter_of_the_round_trip()
    {
        // 5 pages (0.16 ms) meet the 0.25 ms target, but with 0.1 ms one way the handshake costs 0.2 ms and another
        // round is cheap: it goes on until the transfer is at most 0.05 ms (1 page, 0.03 ms).
        var (round, reason, _) = Script(new AdaptivePolicy(), (r, _) => r == 1 ? 5 : 1, latency: TimeSpan.FromMilliseconds(0.1));
        Assert.Equal(2, round);
        Assert.Contains("target", reason);
        // A long link's round trip is far above the target: the target rules.
        (round, _, _) = Script(new AdaptivePolicy(), (_, _) => 5, latency: TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, round);
    }

    [Fact]
    public void Adaptive_stops_when_the_dirty_set_stops_shrinking()
    {
        // A steady hot set of 400 pages (13 ms): no progress after round 2, within the acceptable 20 ms.
        var (round, reason, throttles) = Script(new AdaptivePolicy(), (r, _) => r == 1 ? 5000 : 400);
        Assert.Equal(3, round);
        Assert.Contains("stopped improving", reason);
        Assert.All(throttles, t => Assert.Equal(0, t));
    }

    [Fact]
    public void Adaptive_throttles_in_one_step_when_the_workload_outruns_the_link()
    {
        // Full speed dirties 200 000 pages during the 8.6 s first round, 95 MB/s: more than half the link.
        // The next round (6.6 s) may leave a quarter of what it sends, 31 MB/s: a throttle of 0.67.
        var (round, _, throttles) = Script(new AdaptivePolicy(), (_, t) => (long)(200_000 * (1 - t)));
        Assert.Equal(0.67, Math.Round(throttles[0], 2));
        Assert.True(round <= AdaptivePolicy.DefaultMaxRounds);
    }

    [Fact]
    public void Adaptive_never_passes_its_byte_budget()
    {
        var policy = new AdaptivePolicy { MaxRounds = 50 };
        long sent = 0;
        var (_, reason, _) = Script(policy, (r, _) =>
        {
            long dirty = Pages * 45 / 100;
            sent += r == 1 ? Pages : dirty;
            return dirty;
        });
        Assert.Contains("budget", reason);
        // What was sent plus the final stop-and-copy stays within 2 x memory.
        Assert.True(sent + Pages * 45 / 100 <= Pages * 2, $"{sent} pages sent");
    }
}
