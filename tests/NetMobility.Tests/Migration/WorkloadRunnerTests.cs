using NetMobility.Migration;
using NetMobility.Runtime;
using NetMobility.Migration.Workloads;

namespace NetMobility.Tests.Migration;

public class WorkloadRunnerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Waits, without sleeping, until the runner thread has handled a tick after the condition became true.
    private static async Task UntilAsync(WorkloadRunner runner, Func<bool> condition)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check() { if (condition()) reached.TrySetResult(); }
        runner.Ticked += Check;
        try
        {
            Check();
            await reached.Task.WaitAsync(Patience);
        }
        finally
        {
            runner.Ticked -= Check;
        }
    }

    [Fact]
    public async Task The_runner_advances_the_workload_by_the_clock()
    {
        var clock = new ManualTimeProvider();
        using var image = new MemoryImage(1024 * 4096L);
        var workload = new UniformRandomWorkload(1, 1000);
        await using var runner = new WorkloadRunner(workload, image, clock, TimeSpan.FromMilliseconds(10));
        runner.Start();
        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(runner, () => workload.PageWrites >= 1000);
        Assert.Equal(1000, workload.PageWrites);
    }

    [Fact]
    public async Task Paused_time_is_not_charged_and_no_write_happens_while_paused()
    {
        var clock = new ManualTimeProvider();
        using var image = new MemoryImage(1024 * 4096L);
        var workload = new UniformRandomWorkload(1, 1000);
        await using var runner = new WorkloadRunner(workload, image, clock, TimeSpan.FromMilliseconds(10));
        runner.Start();
        clock.Advance(TimeSpan.FromMilliseconds(500));
        await UntilAsync(runner, () => workload.PageWrites >= 500);

        runner.Pause();
        long ticks = runner.Ticks;
        clock.Advance(TimeSpan.FromSeconds(5));
        await UntilAsync(runner, () => runner.Ticks > ticks);
        Assert.Equal(500, workload.PageWrites);
        Assert.True(runner.IsPaused);

        runner.Resume();
        clock.Advance(TimeSpan.FromMilliseconds(500));
        await UntilAsync(runner, () => workload.PageWrites >= 1000);
        Assert.Equal(1000, workload.PageWrites);
    }

    [Fact]
    public async Task Stop_ends_the_thread_and_a_failing_workload_faults_completion()
    {
        var clock = new ManualTimeProvider();
        using var image = new MemoryImage(4096);
        var runner = new WorkloadRunner(new ThrowingWorkload(), image, clock, TimeSpan.FromMilliseconds(1));
        runner.Start();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.Completion.WaitAsync(Patience));

        var idle = new WorkloadRunner(new IdleWorkload(1), image, clock);
        idle.Start();
        idle.Stop();
        await idle.Completion.WaitAsync(Patience);
        Assert.True(idle.Completion.IsCompletedSuccessfully);
    }

    private sealed class ThrowingWorkload : Workload
    {
        public override string Name => "throwing";
        public override double PagesPerSecond => 1;
        public override void Advance(MemoryImage image, TimeSpan elapsed) => throw new InvalidOperationException("guest crashed");
    }
}
