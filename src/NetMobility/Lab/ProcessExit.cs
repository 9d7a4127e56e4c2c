using System.Runtime.InteropServices;

namespace NetMobility.Lab;

/// <summary>
/// Waits for any process (a child or not) to end without polling: a pidfd (Linux 5.3, <c>pidfd_open</c>) becomes
/// readable when its process ends; the wait blocks in <c>poll</c> on it and on an eventfd that cancellation writes to.
/// </summary>
public static partial class ProcessExit
{
    private const long SysPidfdOpen = 434; // x86-64 and the generic syscall table alike
    private const int Esrch = 3, Eintr = 4, EfdCloexec = 0x80000;
    private const short PollIn = 0x001;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>
    /// Completes when <paramref name="pid"/> has ended (at once if there is no such process); cancelled by
    /// <paramref name="cancel"/>. A kernel without pidfds is a <see cref="LabException"/>.
    /// </summary>
    public static Task WaitAsync(int pid, CancellationToken cancel)
    {
        int pidfd = (int)syscall(SysPidfdOpen, pid, 0);
        if (pidfd < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            return error == Esrch ? Task.CompletedTask : throw new LabException($"pidfd_open({pid}): {Marshal.GetPInvokeErrorMessage(error)}");
        }
        int wake = eventfd(0, EfdCloexec);
        if (wake < 0)
        {
            int error = Marshal.GetLastPInvokeError();
            _ = close(pidfd);
            throw new LabException($"eventfd: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        var registration = cancel.Register(static state =>
        {
            ulong one = 1;
            _ = write((int)state!, ref one, sizeof(ulong));
        }, wake);
        return Task.Factory.StartNew(() =>
        {
            try
            {
                Span<PollFd> fds = [new PollFd { Fd = pidfd, Events = PollIn }, new PollFd { Fd = wake, Events = PollIn }];
                while (poll(ref fds[0], 2, -1) < 0)
                {
                    int error = Marshal.GetLastPInvokeError();
                    if (error != Eintr) throw new LabException($"poll on the pidfd of {pid}: {Marshal.GetPInvokeErrorMessage(error)}");
                }
                if ((fds[0].Revents & PollIn) == 0) cancel.ThrowIfCancellationRequested();
            }
            finally
            {
                registration.Dispose();
                _ = close(wake);
                _ = close(pidfd);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int pid, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, ref ulong value, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
