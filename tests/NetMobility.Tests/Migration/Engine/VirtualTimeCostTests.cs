using NetMobility.Migration.Policies;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>
/// A migration in virtual time costs work in proportion to what happens (pages encoded and sent), not to how much
/// simulated time passes: once the guest rewrites its memory between two batches, a slower link makes more writes
/// fall due but no more work (each batch costs the guest at most about a write per page of memory, and a page is
/// made from its recipe only when it is read or updated in place).
/// </summary>
public class VirtualTimeCostTests
{
    private static async Task<(double VirtualSeconds, long PagesSent, long WritesDue, long WorkDone)> Migrate(double bitsPerSecond)
    {
        var workload = new WebServerWorkload(3);
        await using var migration = new InMemoryMigration(4L << 20, new XenLegacyPolicy(), workload, bitsPerSecond: bitsPerSecond);
        var report = await migration.RunAsync();
        Assert.True(report.Completed, report.Error);
        long pagesSent = report.Rounds.Sum(r => r.PagesSent);
        return (report.TotalTimeMs / 1000, pagesSent, workload.PageWrites, workload.WritesPerformed + migration.Image.PagesMade);
    }

    [Fact]
    public async Task A_link_ten_times_slower_costs_no_more_work_per_page_sent()
    {
        var slow = await Migrate(100e3);
        var slower = await Migrate(10e3);

        Assert.True(slower.VirtualSeconds > 5 * slow.VirtualSeconds, $"{slower.VirtualSeconds} s against {slow.VirtualSeconds} s");
        Assert.True(slower.WritesDue > 5 * slow.WritesDue, $"{slower.WritesDue} writes due against {slow.WritesDue}");
        double slowPerPage = (double)slow.WorkDone / slow.PagesSent, slowerPerPage = (double)slower.WorkDone / slower.PagesSent;
        Assert.True(slowerPerPage < 1.5 * slowPerPage, $"work per page sent: {slowerPerPage:0.0} at 10 kbit/s against {slowPerPage:0.0} at 100 kbit/s");
    }
}
