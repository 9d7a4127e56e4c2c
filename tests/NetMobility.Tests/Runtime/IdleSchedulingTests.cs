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
            before = PolicyOf(tid);
            entered = IdleScheduling.EnterThread(tid);
            after = PolicyOf(tid);
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
            Assert.Equal(0, PolicyOf(Gettid()));
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

    /// <summary>The scheduling policy of thread <paramref name="tid"/> of this process: field 41 of its <c>stat</c> (proc(5)), read with a bounded buffer.</summary>
    private static int PolicyOf(int tid)
    {
        var buffer = new byte[4096];
        int length;
        using (var file = File.OpenRead($"/proc/self/task/{tid}/stat")) length = file.Read(buffer);
        string stat = System.Text.Encoding.ASCII.GetString(buffer, 0, length);
        // The command name (field 2) is in parentheses and may hold spaces: count the fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int Gettid() => (int)syscall(186); // gettid on x86-64

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern long syscall(long number);
}
