using System.Runtime.InteropServices;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// What the links on a kernel device share (<see cref="TapLink"/>, <see cref="PacketLink"/>, <see cref="PcapLink"/>):
/// the link's identity and state, its counters, the fault its I/O thread records, the inbox that carries received frames
/// to the <see cref="EventLoop"/>, and the eventfd that wakes that thread.
/// <para>
/// The I/O thread waits in poll() on the device's descriptor and the eventfd (<see cref="WaitReady"/>) rather than in a
/// blocking read: on Linux, closing a descriptor does not wake a thread blocked on it, so <see cref="Dispose"/> wakes the
/// thread through the eventfd, lets the subclass join it and release the device (<see cref="CloseDevice"/>), and only
/// then closes the eventfd, so that no thread is left using a number the process may hand out again.
/// </para>
/// </summary>
public abstract class KernelLink : IFrameLink, IDisposable
{
    private readonly int _wakeFd;
    private readonly LinkFault _fault = new();
    private volatile bool _up = true;
    private volatile bool _closing;
    private int _disposed;

    private protected KernelLink(EventLoop loop, string name, MacAddress mac, int mtu, int receiveQueueCapacity, int wakeFd)
    {
        Name = name;
        Mac = mac;
        Mtu = mtu;
        _wakeFd = wakeFd;
        Inbox = new DeviceInbox(loop, receiveQueueCapacity, FrameCheck.MaxFrameLength(mtu), Counters, () => _up && !_closing, () => Receiver);
    }

    /// <summary>The interface's name.</summary>
    public string Name { get; }

    /// <summary>The node's address on this link.</summary>
    public MacAddress Mac { get; }

    public int Mtu { get; }

    /// <summary>This end's state: when down, sends are refused and frames from the kernel are dropped, both counted.</summary>
    public bool IsUp
    {
        get => _up;
        set => _up = value;
    }

    public FrameReceiver? Receiver { get; set; }
    public LinkCounters Counters { get; } = new();

    /// <summary>Why the device stopped carrying frames (interface down or deleted, a call the kernel refused), or null.</summary>
    public string? Fault => _fault.Reason;

    /// <summary>Completes with the reason when the device fails.</summary>
    public Task<string> Faulted => _fault.Raised;

    /// <summary>Frames received and waiting for the event loop.</summary>
    public int QueuedToDeliver => Inbox.Count;

    public abstract bool Send(ReadOnlySpan<byte> frame);

    private protected DeviceInbox Inbox { get; }

    /// <summary>True once <see cref="Dispose"/> has begun: the I/O thread stops at its next turn.</summary>
    protected bool Closing => _closing;

    /// <summary>Records why the device stopped (the first reason wins).</summary>
    protected void SetFault(string reason) => _fault.Set(reason);

    /// <summary>Counts a refused frame and answers false, for <see cref="Send"/>.</summary>
    protected bool Refuse(LinkDrop reason)
    {
        Counters.CountDrop(reason);
        return false;
    }

    /// <summary>A frame from the kernel, on the I/O thread: queued for the loop, or counted and dropped.</summary>
    protected void Offer(ReadOnlySpan<byte> frame)
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
        Inbox.Enqueue(frame);
    }

    /// <summary>A non-blocking eventfd for the I/O thread to wait on, or -1 with the reason in errno.</summary>
    private protected static int OpenWakeFd() => TapNative.EventFd(0, TapNative.EfdCloExec | TapNative.EfdNonBlock);

    /// <summary>Wakes the I/O thread from its wait.</summary>
    protected unsafe void Wake()
    {
        ulong one = 1;
        TapNative.Write(_wakeFd, ref *(byte*)&one, sizeof(ulong));
    }

    /// <summary>Takes the wake-ups counted so far, so that the next wait sleeps until a new one.</summary>
    protected unsafe void ClearWake()
    {
        ulong counter;
        TapNative.Read(_wakeFd, ref *(byte*)&counter, sizeof(ulong));
    }

    /// <summary>
    /// Waits until <paramref name="fd"/> is readable (or reports an error or hang-up) or the link is woken. False when
    /// poll itself failed: the fault is recorded and the thread should end.
    /// </summary>
    protected bool WaitReady(int fd, out short deviceEvents, out bool woken)
    {
        Span<TapNative.PollFd> fds = stackalloc TapNative.PollFd[2];
        while (true)
        {
            fds[0] = new TapNative.PollFd(fd, TapNative.PollIn);
            fds[1] = new TapNative.PollFd(_wakeFd, TapNative.PollIn);
            if (TapNative.Poll(ref MemoryMarshal.GetReference(fds), 2, -1) >= 0)
            {
                deviceEvents = fds[0].ReturnedEvents;
                woken = fds[1].ReturnedEvents != 0;
                return true;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == TapNative.EIntr) continue;
            _fault.Set($"{Name}: poll failed ({TapNative.Describe(errno)})");
            deviceEvents = 0;
            woken = false;
            return false;
        }
    }

    /// <summary>How long a stop with the interface still listed is watched before it counts as down rather than deleted.</summary>
    private const int DeletionSettleMilliseconds = 250;

    /// <summary>
    /// Says whether the interface that stopped carrying frames went down or is gone, on the I/O thread. Deleting an
    /// interface takes it down first and drops it from the kernel's list a moment later, so an interface still listed
    /// under its index is watched a little longer (woken early by <see cref="Dispose"/>): it went down only if it is
    /// still there afterwards.
    /// </summary>
    protected string DownOrGone(int ifIndex)
    {
        string gone = $"interface {Name} is gone";
        long started = Environment.TickCount64;
        Span<TapNative.PollFd> fds = stackalloc TapNative.PollFd[1];
        while (true)
        {
            if ((int)PacketNative.IfNameToIndex(Name) != ifIndex) return gone;
            long left = DeletionSettleMilliseconds - (Environment.TickCount64 - started);
            if (left <= 0 || _closing) return $"interface {Name} went down";
            // Waiting on the wake descriptor only: Dispose (which sets _closing first) ends the watch at once; a wake-up
            // for frames to send is taken and dropped, since this thread sends nothing more.
            fds[0] = new TapNative.PollFd(_wakeFd, TapNative.PollIn);
            if (TapNative.Poll(ref MemoryMarshal.GetReference(fds), 1, (int)Math.Min(left, 10)) > 0 && !_closing) ClearWake();
        }
    }

    /// <summary>After the I/O thread has been woken to stop: joins it (and any other thread of the link) and releases the device.</summary>
    protected abstract void CloseDevice();

    /// <summary>Stops the link's threads, then closes the device; frames still queued are discarded.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _closing = true;
        Wake();
        CloseDevice();
        TapNative.Close(_wakeFd);
        GC.SuppressFinalize(this);
    }
}
