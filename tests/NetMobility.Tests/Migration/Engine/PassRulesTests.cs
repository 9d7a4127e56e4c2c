using NetMobility.Migration;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>The policies' rules within a live pass, on their own and in the real engine (the simulator runs the same <see cref="PassRules"/>).</summary>
public class PassRulesTests
{
    [Fact]
    public void Skip_applies_to_live_passes_of_a_policy_that_skips_and_to_pages_written_again()
    {
        var log = new DirtyLog(128);
        log.Mark(5);
        var legacy = new PassRules(new XenLegacyPolicy());
        legacy.BeginPass(stopAndCopy: false);
        Assert.True(legacy.Skips(log, 5));
        Assert.False(legacy.Skips(log, 6));
        legacy.BeginPass(stopAndCopy: true);
        Assert.False(legacy.Skips(log, 5));
        var v2 = new PassRules(new XenStreamV2Policy());
        v2.BeginPass(stopAndCopy: false);
        Assert.False(v2.Skips(log, 5));
    }

    [Fact]
    public void Check_after_a_batch_uses_the_bandwidth_over_the_last_100_ms_and_only_in_live_passes()
    {
        var rules = new PassRules(new QemuPolicy(autoConverge: false));
        rules.BeginPass(stopAndCopy: false);
        // No estimate before 100 ms have passed: nothing fits.
        Assert.False(rules.AfterBatch(TimeSpan.FromMilliseconds(50), 1_000_000, 1, 4096));
        Assert.Equal(0, rules.Bandwidth);
        // 10 MB in 100 ms: 100 MB/s; 300 ms carry 30 MB, 7324 pages of 4096 octets.
        Assert.True(rules.AfterBatch(TimeSpan.FromMilliseconds(100), 10_000_000, 7324, 4096));
        Assert.Equal(100e6, rules.Bandwidth, 1e-3);
        Assert.False(rules.Fits(7325, 4096));
        // The estimate holds until the next period has passed.
        Assert.True(rules.AfterBatch(TimeSpan.FromMilliseconds(150), 10_000_001, 7324, 4096));
        Assert.Equal(100e6, rules.Bandwidth, 1e-3);
        rules.BeginPass(stopAndCopy: true);
        Assert.False(rules.AfterBatch(TimeSpan.FromMilliseconds(160), 10_000_002, 1, 4096));
        // A policy that decides per round only never fits after a batch.
        var xen = new PassRules(new XenStreamV2Policy());
        xen.BeginPass(stopAndCopy: false);
        Assert.False(xen.AfterBatch(TimeSpan.FromMilliseconds(100), 10_000_000, 1, 4096));
    }

    [Fact]
    public async Task Engine_with_legacy_Xen_skips_pages_written_again_during_a_live_pass()
    {
        await using var legacy = new InMemoryMigration(16L << 20, new XenLegacyPolicy(), new WebServerWorkload(3, 20_000));
        var report = await legacy.RunAsync();
        Assert.True(report.Completed, report.Error);
        Assert.Equal(legacy.Image.ComputeDigest(), legacy.Result!.Image!.ComputeDigest());
        long skipped = report.Rounds.Where(r => !r.StopAndCopy).Sum(r => r.SkippedPages);
        Assert.True(skipped > 0, "no page skipped");
        Assert.All(report.Rounds.Where(r => r.StopAndCopy), r => Assert.Equal(0, r.SkippedPages));
        // The first pass goes through every page: sent or skipped.
        Assert.Equal(legacy.Image.PageCount, report.Rounds[0].PagesSent + report.Rounds[0].SkippedPages);

        await using var v2 = new InMemoryMigration(16L << 20, new XenStreamV2Policy(), new WebServerWorkload(3, 20_000));
        var plain = await v2.RunAsync();
        Assert.True(plain.Completed, plain.Error);
        Assert.All(plain.Rounds, r => Assert.Equal(0, r.SkippedPages));
    }

    [Fact]
    public async Task Engine_with_QEMU_switches_over_after_the_batch_at_which_the_rest_fits_the_limit()
    {
        // 32 MiB at 100 Mbit/s: the first pass takes about a second; 300 ms at the link's rate carry some 900 pages,
        // so QEMU's check after a batch ends the pass before its last pages, and they go with the stop-and-copy.
        await using var m = new InMemoryMigration(32L << 20, new QemuPolicy(autoConverge: false), new IdleWorkload(1), bitsPerSecond: 100e6);
        var report = await m.RunAsync();
        Assert.True(report.Completed, report.Error);
        Assert.Equal(PassRules.StoppedAfterBatch, report.StopReason);
        Assert.Equal(2, report.Rounds.Count);
        Assert.InRange(report.Rounds[0].PagesSent, 1, m.Image.PageCount - 1);
        Assert.True(report.Rounds[1].StopAndCopy);
        Assert.True(report.Rounds[1].PagesSent > 0);
        Assert.Equal(m.Image.ComputeDigest(), m.Result!.Image!.ComputeDigest());
    }
}
