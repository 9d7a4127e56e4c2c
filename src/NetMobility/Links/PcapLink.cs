using System.Runtime.InteropServices;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// An existing Ethernet interface as an <see cref="IFrameLink"/> through libpcap (Debian's libpcap0.8): a handle in
/// promiscuous and immediate mode, capturing inbound frames only (<c>pcap_setdirection</c>, so the link does not see
/// its own sends), optionally through a BPF filter, sending with <c>pcap_inject</c>.
/// <list type="bullet">
/// <item>A pcap handle is not safe to use from two threads, so one I/O thread owns it: it waits in poll() on the
/// handle's selectable descriptor and an eventfd, reads every ready frame with <c>pcap_next_ex</c> (non-blocking) and
/// writes every queued one with <c>pcap_inject</c>.</item>
/// <item><see cref="Send"/> copies the frame into a bounded queue (full: <see cref="LinkDrop.QueueFull"/>) and wakes the
/// thread through the eventfd when the queue was empty.</item>
/// <item>Received frames are copied into a bounded queue (<see cref="DeviceInbox"/>) that the
/// <see cref="EventLoop"/> delivers to <see cref="Receiver"/> in batches. Both queues are allocated once.</item>
/// </list>
/// When the interface goes down or is deleted, libpcap reports an error: the thread stops and <see cref="Fault"/> says
/// why, so an owner (the agent daemon) closes the link and opens it again once the interface is back.
/// </summary>
public sealed unsafe class PcapLink : KernelLink
{
    private readonly nint _pcap;
    private readonly int _fd;
    private readonly int _ifIndex;
    private readonly object _outboundGate = new();
    private readonly FrameRing _outbound;
    private readonly Thread _worker;

    private PcapLink(EventLoop loop, string name, MacAddress mac, int mtu, string? filter, nint pcap, int fd, int wakeFd, int ifIndex, int queueCapacity)
        : base(loop, name, mac, mtu, queueCapacity, wakeFd)
    {
        Filter = filter;
        _pcap = pcap;
        _fd = fd;
        _ifIndex = ifIndex;
        _outbound = new FrameRing(queueCapacity, FrameCheck.MaxFrameLength(mtu));
        _worker = new Thread(static s => ((PcapLink)s!).Run()) { IsBackground = true, Name = $"{name} pcap" };
    }

    /// <summary>
    /// Opens <paramref name="device"/> (in the calling thread's network namespace) with libpcap; <paramref name="filter"/>
    /// is a capture filter in pcap-filter(7) syntax, or null for every frame. Throws <see cref="InterfaceLinkException"/>
    /// with a one-line reason when the library is missing, the interface is missing, down or not Ethernet, the filter
    /// does not compile, or permission is lacking.
    /// </summary>
    public static PcapLink Open(EventLoop loop, string device, MacAddress mac, int mtu = 1500, string? filter = null, int queueCapacity = 256)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(device);
        if (!OperatingSystem.IsLinux()) throw new InterfaceLinkException(InterfaceLinkError.Unsupported, "the libpcap link is built for Linux");
        if (mtu is < 68 or > 65535) throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "MTU is outside 68..65535");
        try
        {
            return OpenWithLibrary(loop, device, mac, mtu, filter, queueCapacity);
        }
        catch (DllNotFoundException)
        {
            throw new InterfaceLinkException(InterfaceLinkError.Unsupported, $"{PcapNative.Library} is missing: install the Debian package {PcapNative.Package}");
        }
    }

    /// <summary>Why <paramref name="filter"/> does not compile, or null when it does; a missing libpcap is a reason too.</summary>
    public static string? CheckFilter(string filter)
    {
        try
        {
            return PcapNative.CheckFilter(filter);
        }
        catch (DllNotFoundException)
        {
            return $"{PcapNative.Library} is missing: install the Debian package {PcapNative.Package}";
        }
    }

    private static PcapLink OpenWithLibrary(EventLoop loop, string device, MacAddress mac, int mtu, string? filter, int queueCapacity)
    {
        byte* errors = stackalloc byte[PcapNative.ErrorBufferSize];
        errors[0] = 0;
        nint pcap = PcapNative.Create(device, errors);
        if (pcap == 0) throw new InterfaceLinkException(InterfaceLinkError.Failed, $"interface {device}: {PcapNative.Text(errors)}");
        int wakeFd = -1;
        try
        {
            PcapNative.SetSnapLength(pcap, FrameCheck.MaxFrameLength(mtu));
            PcapNative.SetPromiscuous(pcap, 1);
            PcapNative.SetImmediateMode(pcap, 1);
            int status = PcapNative.Activate(pcap);
            if (status < 0) throw ActivationRefused(pcap, device, status);
            if (PcapNative.DataLink(pcap) != PcapNative.DltEn10Mb)
                throw new InterfaceLinkException(InterfaceLinkError.NotEthernet, $"interface {device} does not carry Ethernet frames");
            if (PcapNative.SetDirection(pcap, PcapNative.DirectionIn) < 0) throw Failed(pcap, device, "capturing inbound frames only");
            if (filter is not null)
            {
                PcapNative.BpfProgram program;
                if (PcapNative.Compile(pcap, &program, filter, 1, PcapNative.NetmaskUnknown) < 0)
                    throw new InterfaceLinkException(InterfaceLinkError.BadFilter, $"interface {device}: filter '{filter}': {PcapNative.Text(PcapNative.GetError(pcap))}");
                int set = PcapNative.SetFilter(pcap, &program);
                PcapNative.FreeCode(&program);
                if (set < 0) throw Failed(pcap, device, "setting the filter");
            }
            if (PcapNative.SetNonBlock(pcap, 1, errors) < 0)
                throw new InterfaceLinkException(InterfaceLinkError.Failed, $"interface {device}: non-blocking mode failed ({PcapNative.Text(errors)})");
            int fd = PcapNative.GetSelectableFd(pcap);
            if (fd < 0) throw new InterfaceLinkException(InterfaceLinkError.Failed, $"interface {device}: libpcap has no descriptor to wait on");
            wakeFd = OpenWakeFd();
            if (wakeFd < 0) throw new InterfaceLinkException(InterfaceLinkError.Failed, $"interface {device}: eventfd failed ({TapNative.Describe(Marshal.GetLastPInvokeError())})");
            var link = new PcapLink(loop, device, mac, mtu, filter, pcap, fd, wakeFd, (int)PacketNative.IfNameToIndex(device), queueCapacity);
            link._worker.Start(link);
            return link;
        }
        catch
        {
            PcapNative.Close(pcap);
            if (wakeFd >= 0) TapNative.Close(wakeFd);
            throw;
        }
    }

    /// <summary>The capture filter in force, or null.</summary>
    public string? Filter { get; }

    public override bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason)) return Refuse(reason);
        if (!IsUp || Closing || Fault is not null) return Refuse(LinkDrop.Down);
        bool wasEmpty;
        lock (_outboundGate)
        {
            wasEmpty = _outbound.Count == 0;
            if (!_outbound.TryEnqueue(frame)) return Refuse(LinkDrop.QueueFull);
        }
        Counters.CountSent(frame.Length);
        // The thread drains until it finds the queue empty, so only the first frame after that needs to wake it.
        if (wasEmpty) Wake();
        return true;
    }

    private void Run()
    {
        while (true)
        {
            if (!WaitReady(_fd, out short events, out bool woken) || Closing) return;
            if (woken)
            {
                ClearWake();
                WriteQueued();
            }
            if (events != 0)
            {
                bool trouble = (events & (TapNative.PollErr | TapNative.PollHup | TapNative.PollNval)) != 0;
                if (!ReadReady() || trouble)
                {
                    SetFault(Stopped(null));
                    return;
                }
            }
        }
    }

    /// <summary>Reads every frame libpcap has ready; false when it reported an error.</summary>
    private bool ReadReady()
    {
        while (!Closing)
        {
            byte* header, data;
            int status = PcapNative.NextEx(_pcap, &header, &data);
            if (status == 0) return true;
            if (status < 0)
            {
                SetFault(Stopped(PcapNative.Text(PcapNative.GetError(_pcap))));
                return false;
            }
            int captured = *(int*)(header + PcapNative.CaptureLengthOffset);
            int length = *(int*)(header + PcapNative.WireLengthOffset);
            if (captured < length)
            {
                Counters.CountDrop(LinkDrop.TooBig);
                continue;
            }
            Offer(new ReadOnlySpan<byte>(data, captured));
        }
        return true;
    }

    private void WriteQueued()
    {
        while (!Closing)
        {
            ReadOnlySpan<byte> frame;
            lock (_outboundGate)
            {
                if (_outbound.Count == 0) return;
                // The head slot stays this thread's until Dequeue: Send only fills slots behind it.
                frame = _outbound.Peek();
            }
            int written;
            fixed (byte* bytes = frame) written = PcapNative.Inject(_pcap, bytes, (nuint)frame.Length);
            if (written < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Counters.CountDrop(errno switch
                {
                    PacketNative.ENetDown or PacketNative.ENxIo or PacketNative.ENoDev => LinkDrop.Down,
                    TapNative.EAgain or PacketNative.ENoBufs => LinkDrop.QueueFull,
                    _ => LinkDrop.DeviceError,
                });
            }
            lock (_outboundGate) _outbound.Dequeue();
        }
    }

    /// <summary>The fault when the handle stops: the interface gone or down (<see cref="KernelLink.DownOrGone"/>), with libpcap's words.</summary>
    private string Stopped(string? words)
    {
        string what = DownOrGone(_ifIndex);
        return string.IsNullOrEmpty(words) ? what : $"{what} ({words})";
    }

    private static InterfaceLinkException ActivationRefused(nint pcap, string device, int status) => status switch
    {
        PcapNative.ErrorNoSuchDevice => new InterfaceLinkException(InterfaceLinkError.NotFound, $"interface {device} does not exist"),
        PcapNative.ErrorPermDenied or PcapNative.ErrorPromiscPermDenied =>
            new InterfaceLinkException(InterfaceLinkError.NotPermitted, $"interface {device}: capturing needs root or CAP_NET_RAW ({PcapNative.Text(PcapNative.GetError(pcap))})"),
        PcapNative.ErrorIfaceNotUp => new InterfaceLinkException(InterfaceLinkError.InterfaceDown, $"interface {device} is down"),
        PcapNative.Error => Failed(pcap, device, "activating the capture"),
        _ => new InterfaceLinkException(InterfaceLinkError.Failed, $"interface {device}: {PcapNative.Text(PcapNative.StatusToString(status))}"),
    };

    private static InterfaceLinkException Failed(nint pcap, string device, string what) =>
        new(InterfaceLinkError.Failed, $"interface {device}: {what} failed ({PcapNative.Text(PcapNative.GetError(pcap))})");

    /// <summary>Called once the I/O thread has been woken to stop: joins it, then closes the handle.</summary>
    protected override void CloseDevice()
    {
        _worker.Join();
        PcapNative.Close(_pcap);
    }

    public override string ToString() => $"{Name} (libpcap{(Filter is null ? "" : $" '{Filter}'")}, {Mac}, MTU {Mtu}, {(IsUp ? "up" : "down")})";
}
