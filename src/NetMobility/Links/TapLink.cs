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
/// <see cref="Dispose"/> stops both threads and closes the device, which the kernel then removes unless it is
/// persistent. The reader waits in poll() on the device and an eventfd rather than in read(): on Linux,
/// closing a descriptor does not wake a thread blocked reading it, so Dispose wakes the reader through the
/// eventfd, joins it, and only then closes the descriptor (no thread is left using a number the process may
/// hand out again).
/// </summary>
public sealed class TapLink : IFrameLink, IDisposable
{
    private readonly int _fd;
    private readonly int _wakeFd;
    private readonly object _outboundGate = new();
    private readonly DeviceInbox _inbox;
    private readonly FrameRing _outbound;
    private readonly ManualResetEventSlim _outboundReady = new(false);
    private readonly byte[] _readBuffer;
    private readonly Thread _reader;
    private readonly Thread _writer;
    private volatile bool _up = true;
    private volatile bool _closing;
    private readonly LinkFault _fault = new();
    private int _disposed;

    private TapLink(EventLoop loop, TapOptions options, TapDevice.Opened device, int wakeFd)
    {
        _fd = device.Fd;
        _wakeFd = wakeFd;
        Name = device.Name;
        Mac = options.Mac;
        DeviceMac = device.DeviceMac;
        Mtu = options.Mtu;
        int maxFrame = FrameCheck.MaxFrameLength(options.Mtu);
        _inbox = new DeviceInbox(loop, options.ReceiveQueueCapacity, maxFrame, Counters, () => _up && !_closing, () => Receiver);
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
        int wakeFd = TapNative.EventFd(0, TapNative.EfdCloExec | TapNative.EfdNonBlock);
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

    /// <summary>The interface name the kernel knows the device by.</summary>
    public string Name { get; }

    /// <summary>The node's address on this link (<see cref="TapOptions.Mac"/>).</summary>
    public MacAddress Mac { get; }

    /// <summary>The kernel interface's own hardware address: the one its ARP answers with.</summary>
    public MacAddress DeviceMac { get; }

    public int Mtu { get; }

    /// <summary>This end's state: when down, sends are refused and frames from the kernel are dropped, both counted.</summary>
    public bool IsUp
    {
        get => _up;
        set => _up = value;
    }

    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    /// <summary>Why the device stopped carrying frames (a read, poll or write the kernel refused), or null.</summary>
    public string? Fault => _fault.Reason;

    /// <summary>Completes with the reason when the device fails.</summary>
    public Task<string> Faulted => _fault.Raised;

    /// <summary>Frames queued for the writer thread.</summary>
    public int QueuedToSend
    {
        get { lock (_outboundGate) return _outbound.Count; }
    }

    /// <summary>Frames read from the device and waiting for the event loop.</summary>
    public int QueuedToDeliver
    {
        get => _inbox.Count;
    }

    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason)) return Refuse(reason);
        if (!_up || _closing) return Refuse(LinkDrop.Down);
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

    private bool Refuse(LinkDrop reason)
    {
        Counters.CountDrop(reason);
        return false;
    }

    private void WriteLoop()
    {
        while (true)
        {
            _outboundReady.Wait();
            // Reset before draining: a frame queued from here on sets the signal again.
            _outboundReady.Reset();
            if (_closing) return;
            while (true)
            {
                ReadOnlySpan<byte> frame;
                lock (_outboundGate)
                {
                    if (_outbound.Count == 0) break;
                    // The head slot stays the writer's until Dequeue: Send only fills slots behind it.
                    frame = _outbound.Peek();
                }
                while (WriteToDevice(frame) == WriteResult.Again && !_closing) WaitWritable();
                if (_closing) return;
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
            if (errno != TapNative.EIo) _fault.Set($"{Name}: write failed ({TapNative.Describe(errno)})");
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
        Span<TapNative.PollFd> fds = stackalloc TapNative.PollFd[2];
        while (true)
        {
            fds[0] = new TapNative.PollFd(_fd, TapNative.PollIn);
            fds[1] = new TapNative.PollFd(_wakeFd, TapNative.PollIn);
            if (TapNative.Poll(ref MemoryMarshal.GetReference(fds), 2, -1) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == TapNative.EIntr) continue;
                _fault.Set($"{Name}: poll failed ({TapNative.Describe(errno)})");
                return;
            }
            if (fds[1].ReturnedEvents != 0 || _closing) return;
            if ((fds[0].ReturnedEvents & (TapNative.PollErr | TapNative.PollHup | TapNative.PollNval)) != 0)
            {
                _fault.Set($"{Name}: the device reported an error or hang-up");
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
            _fault.Set($"{Name}: read failed ({TapNative.Describe(errno)})");
            return false;
        }
    }

    /// <summary>A frame from the kernel: queued for the loop, or counted and dropped.</summary>
    private void Offer(ReadOnlySpan<byte> frame)
    {
        if (!_up)
        {
            Counters.CountDrop(LinkDrop.Down);
            return;
        }
        if (!EthernetFrame.TryCreate(frame, out _, out _))
        {
            Counters.CountDrop(LinkDrop.Malformed);
            return;
        }
        if (frame.Length > FrameCheck.MaxFrameLength(Mtu))
        {
            Counters.CountDrop(LinkDrop.TooBig);
            return;
        }
        _inbox.Enqueue(frame);
    }

    /// <summary>Stops the reader and writer threads, then closes the device; frames still queued are discarded.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _closing = true;
        Span<byte> one = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(one, 1UL);
        TapNative.Write(_wakeFd, ref MemoryMarshal.GetReference(one), (nuint)one.Length);
        _outboundReady.Set();
        _reader.Join();
        _writer.Join();
        TapNative.Close(_fd);
        TapNative.Close(_wakeFd);
    }

    public override string ToString() => $"{Name} (TAP, {Mac} -> kernel {DeviceMac}, MTU {Mtu}, {(_up ? "up" : "down")})";
}
