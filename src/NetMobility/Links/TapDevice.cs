using System.Runtime.InteropServices;
using System.Text;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// Opens and configures a Linux TAP device (Documentation/networking/tuntap.rst): open /dev/net/tun,
/// TUNSETIFF with IFF_TAP | IFF_NO_PI (whole Ethernet frames, no packet-information prefix), then
/// persistence, hardware address and MTU. Every kernel refusal becomes a <see cref="TapException"/> with one
/// line naming the device and the cause; a descriptor opened before a failure is closed.
/// </summary>
internal static class TapDevice
{
    public const string ClonePath = "/dev/net/tun";

    /// <summary>The open descriptor (non-blocking), the name the kernel gave, and the kernel interface's address.</summary>
    public readonly record struct Opened(int Fd, string Name, MacAddress DeviceMac);

    public static Opened Open(TapOptions options)
    {
        if (!OperatingSystem.IsLinux()) throw new TapException(TapError.Unsupported, "TAP devices need Linux (/dev/net/tun)");
        if (options.Validate() is string invalid) throw new TapException(TapError.InvalidOptions, invalid);

        string label = options.Name.Length == 0 ? "TAP device" : $"TAP device {options.Name}";
        if (options.Mode == TapMode.Attach) RequireExisting(options.Name, label);

        int fd = TapNative.Open(ClonePath, TapNative.ORdWr | TapNative.ONonBlock | TapNative.OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                TapNative.ENoEnt or TapNative.ENoDev or TapNative.ENxIo =>
                    new TapException(TapError.NoTunDevice, $"{ClonePath} is missing ({TapNative.Describe(errno)}): load the tun module or give the container the device"),
                TapNative.EAcces or TapNative.EPerm =>
                    new TapException(TapError.NotPermitted, $"opening {ClonePath} needs root or CAP_NET_ADMIN ({TapNative.Describe(errno)})"),
                _ => new TapException(TapError.Failed, $"opening {ClonePath}: {TapNative.Describe(errno)}"),
            };
        }
        try
        {
            string name = SetInterface(fd, options, label);
            label = $"TAP device {name}";
            if (TapNative.Ioctl(fd, TapNative.TunSetPersist, options.Persistent ? 1 : 0) < 0)
                throw Refused(label, "setting persistence", Marshal.GetLastPInvokeError());
            if (options.DeviceMac is { } mac) SetDeviceMac(fd, mac, label);
            SetMtu(name, options.Mtu, label);
            return new Opened(fd, name, ReadDeviceMac(fd, label));
        }
        catch
        {
            TapNative.Close(fd);
            throw;
        }
    }

    /// <summary>TUNSETIFF: creates or attaches the device and answers the name it got.</summary>
    private static string SetInterface(int fd, TapOptions options, string label)
    {
        Span<byte> request = stackalloc byte[TapNative.IfReqLength];
        WriteName(request, options.Name);
        short flags = (short)(TapNative.IffTap | TapNative.IffNoPi);
        if (options.Mode == TapMode.Create) flags |= TapNative.IffTunExcl;
        BitConverter.TryWriteBytes(request[TapNative.IfReqUnion..], flags);
        if (TapNative.Ioctl(fd, TapNative.TunSetIff, ref MemoryMarshal.GetReference(request)) == 0) return ReadName(request);

        int errno = Marshal.GetLastPInvokeError();
        throw errno switch
        {
            TapNative.EPerm or TapNative.EAcces =>
                new TapException(TapError.NotPermitted, $"{label}: creating or attaching needs root or CAP_NET_ADMIN ({TapNative.Describe(errno)})"),
            TapNative.EBusy when options.Mode == TapMode.Create =>
                new TapException(TapError.Exists, $"{label} exists already and the mode is Create"),
            TapNative.EBusy =>
                new TapException(TapError.Busy, $"{label} is attached to another descriptor ({TapNative.Describe(errno)})"),
            TapNative.EInval =>
                new TapException(TapError.NotATap, $"{label}: an interface of that name exists and is not a TAP device ({TapNative.Describe(errno)})"),
            _ => Refused(label, "TUNSETIFF", errno),
        };
    }

    /// <summary>For <see cref="TapMode.Attach"/>: the name must already be an interface (SIOCGIFINDEX answers ENODEV if not).</summary>
    private static void RequireExisting(string name, string label)
    {
        if (name.Length == 0) throw new TapException(TapError.InvalidOptions, "attaching needs the name of an existing TAP device");
        WithSocket(label, socket =>
        {
            Span<byte> request = stackalloc byte[TapNative.IfReqLength];
            WriteName(request, name);
            if (TapNative.Ioctl(socket, TapNative.SiocGifIndex, ref MemoryMarshal.GetReference(request)) == 0) return;
            int errno = Marshal.GetLastPInvokeError();
            throw errno == TapNative.ENoDev
                ? new TapException(TapError.NotFound, $"{label} does not exist and the mode is Attach")
                : Refused(label, "looking the interface up", errno);
        });
    }

    private static void SetDeviceMac(int fd, MacAddress mac, string label)
    {
        Span<byte> request = stackalloc byte[TapNative.IfReqLength];
        BitConverter.TryWriteBytes(request[TapNative.IfReqUnion..], TapNative.ArphrdEther); // sockaddr.sa_family, host order
        mac.Write(request[(TapNative.IfReqUnion + 2)..]);
        if (TapNative.Ioctl(fd, TapNative.SiocSifHwAddr, ref MemoryMarshal.GetReference(request)) < 0)
            throw Refused(label, $"setting hardware address {mac}", Marshal.GetLastPInvokeError());
    }

    private static MacAddress ReadDeviceMac(int fd, string label)
    {
        Span<byte> request = stackalloc byte[TapNative.IfReqLength];
        if (TapNative.Ioctl(fd, TapNative.SiocGifHwAddr, ref MemoryMarshal.GetReference(request)) < 0)
            throw Refused(label, "reading the hardware address", Marshal.GetLastPInvokeError());
        return MacAddress.Read(request[(TapNative.IfReqUnion + 2)..]);
    }

    /// <summary>SIOCSIFMTU goes through a socket in the caller's namespace, which is where a device just opened lives.</summary>
    private static void SetMtu(string name, int mtu, string label) => WithSocket(label, socket =>
    {
        Span<byte> request = stackalloc byte[TapNative.IfReqLength];
        WriteName(request, name);
        BitConverter.TryWriteBytes(request[TapNative.IfReqUnion..], mtu);
        if (TapNative.Ioctl(socket, TapNative.SiocSifMtu, ref MemoryMarshal.GetReference(request)) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        throw errno == TapNative.EInval
            ? new TapException(TapError.InvalidOptions, $"{label}: the kernel does not take MTU {mtu}")
            : Refused(label, $"setting MTU {mtu}", errno);
    });

    private static void WithSocket(string label, Action<int> use)
    {
        int socket = TapNative.Socket(TapNative.AfInet, TapNative.SockDgram | TapNative.SockCloExec, 0);
        if (socket < 0) throw Refused(label, "opening a control socket", Marshal.GetLastPInvokeError());
        try
        {
            use(socket);
        }
        finally
        {
            TapNative.Close(socket);
        }
    }

    private static void WriteName(Span<byte> request, string name) => Encoding.UTF8.GetBytes(name, request[..(TapNative.IfNameSize - 1)]);

    private static string ReadName(ReadOnlySpan<byte> request)
    {
        var name = request[..TapNative.IfNameSize];
        int end = name.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
    }

    private static TapException Refused(string label, string what, int errno) => errno switch
    {
        TapNative.EPerm or TapNative.EAcces =>
            new TapException(TapError.NotPermitted, $"{label}: {what} needs root or CAP_NET_ADMIN ({TapNative.Describe(errno)})"),
        _ => new TapException(TapError.Failed, $"{label}: {what} failed ({TapNative.Describe(errno)})"),
    };
}
