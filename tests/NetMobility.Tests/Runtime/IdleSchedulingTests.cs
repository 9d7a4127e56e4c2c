using NetMobility.Runtime;
using Xunit;

namespace NetMobility.Tests.Runtime;

public sealed class IdleSchedulingTests
{
    [Fact]
    public void A_thread_moved_to_the_idle_class_is_scheduled_as_idle_and_the_others_are_not()
    {
        int tid = 0, before = -1, after = -1;
        bool entered = false;
        using var moved = new ManualResetEventSlim();
        using var checkedThere = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            tid = Gettid();
            before = IdleScheduling.PolicyOf(tid);
            entered = IdleScheduling.EnterThread(tid);
            after = IdleScheduling.PolicyOf(tid);
            moved.Set();
            // Alive until the test has looked at the other threads, so that its id stays its own.
            checkedThere.Wait(TimeSpan.FromSeconds(30));
        });
        thread.Start();
        Assert.True(moved.Wait(TimeSpan.FromSeconds(30)));
        try
        {
            Assert.Equal(0, before); // SCHED_OTHER
            Assert.True(entered);
            Assert.Equal(IdleScheduling.SchedIdle, after);
            Assert.Equal(0, IdleScheduling.PolicyOf(Gettid()));
        }
        finally
        {
            checkedThere.Set();
            thread.Join();
        }
    }

    [Fact]
    public void A_thread_that_is_gone_counts_as_done()
    {
        // Thread ids are below pid_max (at most 2^22); this one is not a thread of this process.
        Assert.True(IdleScheduling.EnterThread(int.MaxValue));
    }

    private static int Gettid() => (int)syscall(186); // gettid on x86-64

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern long syscall(long number);
}
