using System.Runtime.InteropServices;

namespace NetMobility.Links;

/// <summary>
/// The libc calls and Linux constants a TAP device needs. The ioctl numbers are those of the generic
/// ioctl encoding (x86-64, arm64). Callers read errno with <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static partial class TapNative
{
    public const int ORdWr = 0x2, ONonBlock = 0x800, OCloExec = 0x80000;
    public const int AfInet = 2, SockDgram = 2, SockCloExec = 0x80000;
    public const int EfdCloExec = 0x80000, EfdNonBlock = 0x800;

    // linux/if_tun.h
    public const nuint TunSetIff = 0x400454ca, TunSetPersist = 0x400454cb;
    public const short IffTap = 0x0002, IffNoPi = 0x1000, IffTunExcl = unchecked((short)0x8000);

    // linux/sockios.h; the tun driver answers the hardware address requests on its own descriptor.
    public const nuint SiocGifHwAddr = 0x8927, SiocSifHwAddr = 0x8924, SiocSifMtu = 0x8922, SiocGifIndex = 0x8933;
    public const ushort ArphrdEther = 1;

    public const short PollIn = 0x1, PollOut = 0x4, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;

    public const int EPerm = 1, ENoEnt = 2, EIntr = 4, EIo = 5, ENxIo = 6, EAgain = 11, EAcces = 13,
        EBusy = 16, EExist = 17, ENoDev = 19, EInval = 22;

    /// <summary>struct ifreq: a 16-byte name (IFNAMSIZ, NUL included), then a 24-byte union (flags, MTU, sockaddr).</summary>
    public const int IfReqLength = 40, IfNameSize = 16, IfReqUnion = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd(int fd, short events)
    {
        public int Fd = fd;
        public short Events = events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ref byte buffer, nuint count);

    /// <summary>ioctl with a pointer argument (struct ifreq).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, ref byte argument);

    /// <summary>ioctl with an integer argument passed by value (TUNSETPERSIST).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    /// <summary>strerror's text for <paramref name="errno"/>.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
