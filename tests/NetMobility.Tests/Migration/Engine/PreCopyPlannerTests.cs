using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration.Engine;

public class PreCopyPlannerTests
{
    private static List<int> Pages(PreCopyPlanner planner, int lane = 0, int stride = 1)
    {
        var pages = new List<int>();
        var set = planner.SendSet;
        for (int p = BatchPlan.NextPage(set, 0, lane, stride); p >= 0; p = BatchPlan.NextPage(set, p + 1, lane, stride)) pages.Add(p);
        return pages;
    }

    [Fact]
    public void First_round_sends_every_page_and_nothing_past_the_last()
    {
        var planner = new PreCopyPlanner(70);
        planner.PlanFirstRound();
        Assert.Equal(70, planner.SendCount);
        Assert.Equal(Enumerable.Range(0, 70), Pages(planner));
    }

    [Fact]
    public void Later_rounds_send_what_was_dirtied_and_what_was_put_back()
    {
        var log = new DirtyLog(200);
        var planner = new PreCopyPlanner(200);
        planner.PlanFirstRound();
        log.Mark(3);
        log.Mark(130);
        planner.SendAgain(64);
        planner.SendAgain(3);
        Assert.Equal(2, planner.PendingCount);
        // An estimate before planning: page 3, both dirty and put back, counts twice.
        Assert.Equal(4, planner.OutstandingPages(log));
        planner.PlanRound(log);
        Assert.Equal([3, 64, 130], Pages(planner));
        Assert.Equal(3, planner.SendCount);
        Assert.Equal(0, planner.PendingCount);
        Assert.Equal(0, log.CountDirty());
    }

    [Fact]
    public void Lanes_split_the_pages_by_page_number_modulo_the_channel_count()
    {
        var planner = new PreCopyPlanner(300);
        planner.PlanFirstRound();
        var lanes = Enumerable.Range(0, 3).Select(l => Pages(planner, l, 3)).ToList();
        Assert.All(lanes[1], p => Assert.Equal(1, p % 3));
        Assert.Equal(Enumerable.Range(0, 300), lanes.SelectMany(l => l).Order());
    }
}
