using System.Runtime.InteropServices;

namespace NetMobility.Migration.Bench;

/// <summary>
/// CPU time, for costs measured on a machine shared with other work: the calling thread's own time (Linux:
/// <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, nanoseconds), so neither other processes nor this process's
/// other threads (tests running beside it) inflate a single-threaded measurement; the process's time elsewhere.
/// </summary>
internal static partial class CpuClock
{
    // linux/time.h
    private const int ClockThreadCpuTime = 3;

    /// <summary>The CPU time the calling thread has used (the whole process's where the thread clock is not available).</summary>
    public static TimeSpan Thread()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var now) == 0)
            return TimeSpan.FromTicks(now.Seconds * TimeSpan.TicksPerSecond + now.Nanoseconds / 100);
        return Process();
    }

    /// <summary>The CPU time of every thread of this process.</summary>
    public static TimeSpan Process()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
