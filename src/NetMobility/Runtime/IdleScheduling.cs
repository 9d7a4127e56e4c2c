using System.Runtime.InteropServices;

namespace NetMobility.Runtime;

/// <summary>
/// Moves every thread of this process to Linux's idle scheduling class (<c>SCHED_IDLE</c>, sched(7)): from then on the
/// process runs only on CPU time nothing else wants. For a migration's end after the guest runs again at its new host:
/// what is left (reports, closing connections, unmapping the RAM, the runtime's exit) must not take CPU from the guest
/// just resumed, which under TCG needs a whole core for a while (its code is translated again in a fresh QEMU process).
/// Threads started later inherit the class from the thread that starts them.
/// </summary>
public static partial class IdleScheduling
{
    internal const int SchedIdle = 5;
    private const int NoSuchThread = 3; // ESRCH

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    /// <summary>Every thread of this process to <c>SCHED_IDLE</c>; false where that is not possible (not Linux, a thread refused).</summary>
    public static bool Enter()
    {
        if (!OperatingSystem.IsLinux()) return false;
        bool all = true;
        try
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (int.TryParse(Path.GetFileName(task), out int tid) && !EnterThread(tid)) all = false;
            }
        }
        catch (IOException)
        {
            return false;
        }
        return all;
    }

    /// <summary>Thread <paramref name="tid"/> of this process to <c>SCHED_IDLE</c>; a thread that has ended meanwhile counts as done.</summary>
    internal static bool EnterThread(int tid)
    {
        var param = new SchedParam();
        return sched_setscheduler(tid, SchedIdle, ref param) == 0 || Marshal.GetLastPInvokeError() == NoSuchThread;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, ref SchedParam param);
}
