using System.Runtime.InteropServices;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// A Linux TAP device as an <see cref="IFrameLink"/>: the kernel's interface is one end of an Ethernet wire
/// and the node that owns this link is the other, so the kernel's own stack (its ARP, ICMP, TCP) talks to
/// the project's nodes and tunnels. Same contract as the in-memory links:
/// <list type="bullet">
/// <item><see cref="Send"/> writes the frame to the device at once (a non-blocking write: the tun driver takes it
/// into the kernel's receive path without waiting) when nothing is queued before it; when the device answers EAGAIN,
/// or frames are already waiting, the frame is copied into a bounded queue that a writer thread drains as the device
/// takes frames again, in order. A full queue refuses the frame (<see cref="LinkDrop.QueueFull"/>); a write the
/// kernel refuses is <see cref="LinkDrop.Down"/> when the kernel interface is down, else <see cref="LinkDrop.DeviceError"/>.</item>
/// <item>A reader thread takes frames from the device into a bounded queue (<see cref="DeviceInbox"/>), which the
/// <see cref="EventLoop"/> delivers to <see cref="Receiver"/> in batches: never from inside <see cref="Send"/>,
/// never on the reader thread.</item>
/// <item>Both queues are allocated once; a frame in steady state allocates nothing.</item>
/// </list>
/// <see cref="KernelLink.Dispose"/> stops both threads and closes the device, which the kernel then removes unless it is
/// persistent.
/// </summary>
public sealed class TapLink : KernelLink
{
    private readonly int _fd;
    private readonly object _outboundGate = new();
    private readonly FrameRing _outbound;
    private readonly ManualResetEventSlim _outboundReady = new(false);
    private readonly byte[] _readBuffer;
    private readonly Thread _reader;
    private readonly Thread _writer;

    private TapLink(EventLoop loop, TapOptions options, TapDevice.Opened device, int wakeFd)
        : base(loop, device.Name, options.Mac, options.Mtu, options.ReceiveQueueCapacity, wakeFd)
    {
        _fd = device.Fd;
        DeviceMac = device.DeviceMac;
        int maxFrame = FrameCheck.MaxFrameLength(options.Mtu);
        _outbound = new FrameRing(options.SendQueueCapacity, maxFrame);
        // The kernel may hand over a frame larger than this end takes (its MTU raised behind our back): read it
        // whole, then count it as too big, rather than have read() cut it.
        _readBuffer = new byte[ushort.MaxValue + 1];
        _reader = new Thread(static s => ((TapLink)s!).ReadLoop()) { IsBackground = true, Name = $"{Name} reader" };
        _writer = new Thread(static s => ((TapLink)s!).WriteLoop()) { IsBackground = true, Name = $"{Name} writer" };
    }

    /// <summary>
    /// Opens (creates or attaches, per <see cref="TapOptions.Mode"/>) the device and starts its threads. The
    /// kernel interface is left down: bring it up, give it addresses and routes with <c>ip</c>, in whatever
    /// namespace it is moved to. Throws <see cref="TapException"/> with a one-line reason when the kernel refuses.
    /// </summary>
    public static TapLink Open(EventLoop loop, TapOptions options)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        var device = TapDevice.Open(options);
        int wakeFd = OpenWakeFd();
        if (wakeFd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            TapNative.Close(device.Fd);
            throw new TapException(TapError.Failed, $"TAP device {device.Name}: eventfd failed ({TapNative.Describe(errno)})");
        }
        var link = new TapLink(loop, options, device, wakeFd);
        link._reader.Start(link);
        link._writer.Start(link);
        return link;
    }

    /// <summary>The kernel interface's own hardware address: the one its ARP answers with.</summary>
    public MacAddress DeviceMac { get; }

    /// <summary>Frames queued for the writer thread.</summary>
    public int QueuedToSend
    {
        get { lock (_outboundGate) return _outbound.Count; }
    }

    public override bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason)) return Refuse(reason);
        if (!IsUp || Closing) return Refuse(LinkDrop.Down);
        bool direct;
        lock (_outboundGate)
        {
            // With nothing queued, the frame goes to the device at once (a TAP write does not wait); behind queued
            // frames it waits its turn, so frames leave in the order they were sent.
            direct = _outbound.Count == 0;
            if (!direct && !_outbound.TryEnqueue(frame)) return Refuse(LinkDrop.QueueFull);
        }
        bool queued = !direct;
        if (direct)
        {
            var written = WriteToDevice(frame);
            if (written == WriteResult.Failed) return false;
            if (written == WriteResult.Again)
            {
                // The device is full for now: the writer thread waits until it takes frames again.
                lock (_outboundGate)
                    if (!_outbound.TryEnqueue(frame)) return Refuse(LinkDrop.QueueFull);
                queued = true;
            }
        }
        Counters.CountSent(frame.Length);
        // Only a queued frame needs the writer: a frame written here wakes no thread.
        if (queued) _outboundReady.Set();
        return true;
    }

    private void WriteLoop()
    {
        while (true)
        {
            _outboundReady.Wait();
            // Reset before draining: a frame queued from here on sets the signal again.
            _outboundReady.Reset();
            if (Closing) return;
            while (true)
            {
                ReadOnlySpan<byte> frame;
                lock (_outboundGate)
                {
                    if (_outbound.Count == 0) break;
                    // The head slot stays the writer's until Dequeue: Send only fills slots behind it.
                    frame = _outbound.Peek();
                }
                while (WriteToDevice(frame) == WriteResult.Again && !Closing) WaitWritable();
                if (Closing) return;
                lock (_outboundGate) _outbound.Dequeue();
            }
        }
    }

    private enum WriteResult { Written, Again, Failed }

    private WriteResult WriteToDevice(ReadOnlySpan<byte> frame)
    {
        while (true)
        {
            if (TapNative.Write(_fd, ref MemoryMarshal.GetReference(frame), (nuint)frame.Length) >= 0) return WriteResult.Written;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == TapNative.EIntr) continue;
            if (errno == TapNative.EAgain) return WriteResult.Again;
            // The tun driver answers EIO while the kernel interface is down (not yet up, or moved between namespaces).
            Counters.CountDrop(errno == TapNative.EIo ? LinkDrop.Down : LinkDrop.DeviceError);
            if (errno != TapNative.EIo) SetFault($"{Name}: write failed ({TapNative.Describe(errno)})");
            return WriteResult.Failed;
        }
    }

    /// <summary>Waits (a bounded while, so that closing is seen) until the device takes frames again.</summary>
    private void WaitWritable()
    {
        var fd = new TapNative.PollFd(_fd, TapNative.PollOut);
        TapNative.Poll(ref fd, 1, 100);
    }

    private void ReadLoop()
    {
        while (true)
        {
            if (!WaitReady(_fd, out short events, out bool woken) || woken || Closing) return;
            if ((events & (TapNative.PollErr | TapNative.PollHup | TapNative.PollNval)) != 0)
            {
                SetFault($"{Name}: the device reported an error or hang-up");
                return;
            }
            if (!DrainDevice()) return;
        }
    }

    /// <summary>Reads every frame the device has ready (the descriptor is non-blocking); false when reading failed for good.</summary>
    private bool DrainDevice()
    {
        while (true)
        {
            nint length = TapNative.Read(_fd, ref _readBuffer[0], (nuint)_readBuffer.Length);
            if (length > 0)
            {
                Offer(_readBuffer.AsSpan(0, (int)length));
                continue;
            }
            if (length == 0) return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == TapNative.EAgain) return true;
            if (errno == TapNative.EIntr) continue;
            SetFault($"{Name}: read failed ({TapNative.Describe(errno)})");
            return false;
        }
    }

    /// <summary>Called once the reader has been woken to stop: joins both threads, then closes the device.</summary>
    protected override void CloseDevice()
    {
        _outboundReady.Set();
        _reader.Join();
        _writer.Join();
        TapNative.Close(_fd);
    }

    public override string ToString() => $"{Name} (TAP, {Mac} -> kernel {DeviceMac}, MTU {Mtu}, {(IsUp ? "up" : "down")})";
}
