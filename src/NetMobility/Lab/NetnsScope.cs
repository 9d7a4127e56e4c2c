using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace NetMobility.Lab;

/// <summary>
/// Runs work inside a named network namespace (<c>ip netns add NAME</c>, bound at /run/netns/NAME) on a thread of its
/// own: setns(2) moves only the calling thread, so the daemon's other threads stay where they are. A device opened
/// there (a TAP attached by name, a packet socket bound to an interface) keeps working from any thread afterwards:
/// a descriptor belongs to the namespace it was opened in.
/// </summary>
internal static partial class NetnsScope
{
    public const string RunDirectory = "/run/netns";
    private const int CloneNewNet = 0x40000000;
    private const int ORdOnly = 0, OCloExec = 0x80000;

    public static T Run<T>(string? netns, Func<T> work)
    {
        if (netns is null) return work();
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(netns);
                result = work();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true, Name = $"netns {netns}" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    private static void Enter(string netns)
    {
        string path = Path.Combine(RunDirectory, netns);
        int fd = Open(path, ORdOnly | OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new LabException(errno == 2
                ? $"network namespace '{netns}' does not exist ({path})"
                : $"network namespace '{netns}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        try
        {
            if (SetNs(fd, CloneNewNet) < 0)
                throw new LabException($"entering network namespace '{netns}' failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}): it needs root or CAP_SYS_ADMIN");
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
