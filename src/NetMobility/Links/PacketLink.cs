using System.Runtime.InteropServices;
using System.Text;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// An existing Ethernet interface (a veth end, a NIC) as an <see cref="IFrameLink"/> through an AF_PACKET socket
/// (packet(7)): a SOCK_RAW socket for every protocol (ETH_P_ALL) bound to the interface by index, in promiscuous
/// mode (PACKET_MR_PROMISC), so the node sees every frame on the wire under its own address, not the interface's.
/// <list type="bullet">
/// <item><see cref="Send"/> hands the frame to the kernel with one non-blocking send(2), which copies it before
/// returning: no queue or thread is needed on the way out. A full socket buffer is <see cref="LinkDrop.QueueFull"/>,
/// the interface down <see cref="LinkDrop.Down"/>.</item>
/// <item>A reader thread waits in poll() on the socket and an eventfd, takes up to <see cref="Batch"/> frames per
/// recvmmsg(2) into buffers allocated once (or, when asked, walks the blocks of a TPACKET_V3 receive ring:
/// PacketLink.Ring.cs), and queues it for the <see cref="EventLoop"/> (<see cref="DeviceInbox"/>), which
/// hands it to <see cref="Receiver"/>, as <see cref="TapLink"/> does. A frame in steady state allocates nothing.</item>
/// <item>Frames the kernel dropped because the socket's buffer was full (PACKET_STATISTICS) are counted as
/// <see cref="LinkDrop.QueueFull"/>.</item>
/// <item>A frame whose TCP or UDP checksum the sending kernel left to its device (checksum offload, as a veth's
/// other end does: TP_STATUS_CSUMNOTREADY in its PACKET_AUXDATA) gets its checksum completed before it goes further
/// (<see cref="PartialChecksum"/>); passed on as it is, every receiver would drop it.</item>
/// <item>The link does not see its own sends: PACKET_IGNORE_OUTGOING where the kernel has it (4.20 on), and frames
/// marked PACKET_OUTGOING are skipped in any case.</item>
/// </list>
/// When the interface goes down or is deleted, the kernel reports ENETDOWN on the socket: the reader stops and
/// <see cref="Fault"/> says which, so an owner (the agent daemon) closes the link and opens it again once the
/// interface is back and up.
/// </summary>
public sealed unsafe partial class PacketLink : KernelLink
{
    /// <summary>Frames taken per recvmmsg(2).</summary>
    public const int Batch = 32;

    /// <summary>
    /// The socket's receive buffer: the kernel's default (about 208 KiB) holds fewer than a hundred full-size frames,
    /// so a burst would be dropped by the kernel before the reader is scheduled. Set with SO_RCVBUFFORCE (root) or
    /// SO_RCVBUF (capped at net.core.rmem_max).
    /// </summary>
    public const int ReceiveBufferBytes = 4 << 20;

    private readonly int _fd;
    private readonly int _ifIndex;
    private readonly int _slotSize;
    private readonly byte* _buffers;
    private readonly PacketNative.MMsgHdr* _messages;
    private readonly PacketNative.IoVec* _vectors;
    private readonly PacketNative.SockAddrLl* _sources;
    private readonly PacketNative.AuxDataMessage* _auxiliary;
    private readonly Thread _reader;

    private PacketLink(EventLoop loop, string name, MacAddress mac, MacAddress deviceMac, int mtu, int ifIndex, int fd, int wakeFd, int receiveQueueCapacity)
        : base(loop, name, mac, mtu, receiveQueueCapacity, wakeFd)
    {
        DeviceMac = deviceMac;
        _ifIndex = ifIndex;
        _fd = fd;
        _slotSize = FrameCheck.MaxFrameLength(mtu);
        _buffers = (byte*)NativeMemory.Alloc((nuint)(Batch * _slotSize));
        _messages = (PacketNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(PacketNative.MMsgHdr)));
        _vectors = (PacketNative.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(PacketNative.IoVec)));
        _sources = (PacketNative.SockAddrLl*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(PacketNative.SockAddrLl)));
        _auxiliary = (PacketNative.AuxDataMessage*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(PacketNative.AuxDataMessage)));
        for (int i = 0; i < Batch; i++)
        {
            _vectors[i].Base = _buffers + i * _slotSize;
            _vectors[i].Length = (nuint)_slotSize;
            _messages[i].Iov = &_vectors[i];
            _messages[i].IovLength = 1;
            _messages[i].Name = &_sources[i];
            _messages[i].Control = &_auxiliary[i];
        }
        _reader = new Thread(static s => ((PacketLink)s!).ReadLoop()) { IsBackground = true, Name = $"{name} packet reader" };
    }

    /// <summary>
    /// Opens a packet socket on the interface <paramref name="device"/> (in the calling thread's network namespace),
    /// which must exist, carry Ethernet and be up; <paramref name="mac"/> is the node's address on the wire. Throws
    /// <see cref="InterfaceLinkException"/> with a one-line reason when it cannot.
    /// </summary>
    public static PacketLink Open(EventLoop loop, string device, MacAddress mac, int mtu = 1500, int receiveQueueCapacity = 256, bool ring = false)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(device);
        if (!OperatingSystem.IsLinux()) throw new InterfaceLinkException(InterfaceLinkError.Unsupported, "AF_PACKET sockets need Linux");
        if (device.Length == 0 || Encoding.UTF8.GetByteCount(device) > 15 || device.AsSpan().IndexOfAny("/: \0") >= 0)
            throw new InterfaceLinkException(InterfaceLinkError.NotFound, $"'{device}' is not an interface name (1 to 15 bytes)");
        if (mtu is < 68 or > 65535) throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "MTU is outside 68..65535");

        // Protocol 0 until bind: the socket takes no frame from any interface before it is bound to this one.
        int fd = PacketNative.Socket(PacketNative.AfPacket, PacketNative.SockRaw | PacketNative.SockNonBlock | PacketNative.SockCloExec, 0);
        if (fd < 0) throw Refused(device, "opening an AF_PACKET socket", Marshal.GetLastPInvokeError());
        int wakeFd = -1;
        try
        {
            int ifIndex = (int)PacketNative.IfNameToIndex(device);
            if (ifIndex == 0) throw new InterfaceLinkException(InterfaceLinkError.NotFound, $"interface {device} does not exist");
            var deviceMac = CheckInterface(fd, device);

            var address = new PacketNative.SockAddrLl { Family = PacketNative.AfPacket, Protocol = PacketNative.EthPAllNetwork, IfIndex = ifIndex };
            if (PacketNative.Bind(fd, &address, (uint)sizeof(PacketNative.SockAddrLl)) < 0)
                throw Refused(device, "binding the packet socket", Marshal.GetLastPInvokeError());
            var membership = new PacketNative.PacketMreq { IfIndex = ifIndex, Type = PacketNative.PacketMrPromisc };
            if (PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketAddMembership, &membership, (uint)sizeof(PacketNative.PacketMreq)) < 0)
                throw Refused(device, "turning promiscuous mode on", Marshal.GetLastPInvokeError());
            int size = ReceiveBufferBytes;
            if (PacketNative.SetSockOpt(fd, PacketNative.SolSocket, PacketNative.SoRcvBufForce, &size, sizeof(int)) < 0)
                PacketNative.SetSockOpt(fd, PacketNative.SolSocket, PacketNative.SoRcvBuf, &size, sizeof(int));
            // Older kernels lack the option (ENOPROTOOPT): the reader skips PACKET_OUTGOING frames itself then.
            int one = 1;
            PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketIgnoreOutgoing, &one, sizeof(int));
            // Each frame's status comes with it: a sender's checksum offload leaves TCP and UDP checksums to be completed.
            if (PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketAuxData, &one, sizeof(int)) < 0)
                throw Refused(device, "asking for packet status (PACKET_AUXDATA)", Marshal.GetLastPInvokeError());

            wakeFd = OpenWakeFd();
            if (wakeFd < 0) throw Refused(device, "eventfd", Marshal.GetLastPInvokeError());
            var link = new PacketLink(loop, device, mac, deviceMac, mtu, ifIndex, fd, wakeFd, receiveQueueCapacity);
            if (ring) link._ring = MapRing(fd);
            link._reader.Start(link);
            return link;
        }
        catch
        {
            TapNative.Close(fd);
            if (wakeFd >= 0) TapNative.Close(wakeFd);
            throw;
        }
    }

    /// <summary>The interface's own hardware address (the kernel's, on its side of the interface).</summary>
    public MacAddress DeviceMac { get; }

    public override bool Send(ReadOnlySpan<byte> frame)
    {
        if (!FrameCheck.IsSendable(frame, Mtu, out var reason)) return Refuse(reason);
        if (!IsUp || Closing) return Refuse(LinkDrop.Down);
        while (true)
        {
            nint sent;
            fixed (byte* bytes = frame) sent = PacketNative.Send(_fd, bytes, (nuint)frame.Length, PacketNative.MsgDontWait);
            if (sent >= 0)
            {
                Counters.CountSent(frame.Length);
                return true;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == TapNative.EIntr) continue;
            return Refuse(errno switch
            {
                TapNative.EAgain or PacketNative.ENoBufs => LinkDrop.QueueFull,
                PacketNative.ENetDown or PacketNative.ENxIo or PacketNative.ENoDev => LinkDrop.Down,
                PacketNative.EMsgSize => LinkDrop.TooBig,
                _ => LinkDrop.DeviceError,
            });
        }
    }

    private void ReadLoop()
    {
        while (true)
        {
            if (!WaitReady(_fd, out short events, out bool woken) || woken || Closing) return;
            if ((events & TapNative.PollErr) != 0)
            {
                uint length = sizeof(int);
                int error = 0;
                PacketNative.GetSockOpt(_fd, PacketNative.SolSocket, PacketNative.SoError, &error, &length);
                SetFault(Stopped(error));
                return;
            }
            if (!(_ring != null ? DrainRing() : Drain())) return;
        }
    }

    /// <summary>Takes every frame the socket has ready, a batch at a time; false when the socket failed for good.</summary>
    private bool Drain()
    {
        while (true)
        {
            for (int i = 0; i < Batch; i++)
            {
                _messages[i].NameLength = (uint)sizeof(PacketNative.SockAddrLl);
                _messages[i].ControlLength = (nuint)sizeof(PacketNative.AuxDataMessage);
                _auxiliary[i].Length = 0;
                _messages[i].Flags = 0;
            }
            int count = PacketNative.RecvMMsg(_fd, _messages, Batch, PacketNative.MsgDontWait, null);
            if (count < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == TapNative.EAgain) return true;
                if (errno == TapNative.EIntr) continue;
                SetFault(Stopped(errno));
                return false;
            }
            for (int i = 0; i < count; i++)
            {
                if (_sources[i].PktType == PacketNative.PacketOutgoing) continue;
                if ((_messages[i].Flags & PacketNative.MsgTrunc) != 0)
                {
                    Counters.CountDrop(LinkDrop.TooBig);
                    continue;
                }
                var frame = new Span<byte>(_buffers + i * _slotSize, (int)_messages[i].Length);
                if (_messages[i].ControlLength >= (nuint)sizeof(PacketNative.AuxDataMessage)
                    && _auxiliary[i] is { Level: PacketNative.SolPacket, Type: PacketNative.PacketAuxData } aux
                    && (aux.Status & PacketNative.TpStatusCsumNotReady) != 0)
                    PartialChecksum.Complete(frame);
                Offer(frame);
            }
            if (count < Batch)
            {
                CountKernelDrops();
                return true;
            }
        }
    }

    /// <summary>Frames the kernel dropped because the socket's buffer was full, counted as <see cref="LinkDrop.QueueFull"/> (reading resets them).</summary>
    private void CountKernelDrops()
    {
        PacketNative.PacketStats stats;
        uint length = (uint)sizeof(PacketNative.PacketStats);
        if (PacketNative.GetSockOpt(_fd, PacketNative.SolPacket, PacketNative.PacketStatistics, &stats, &length) == 0 && stats.Drops > 0)
            Counters.CountDrops(LinkDrop.QueueFull, stats.Drops);
    }

    /// <summary>The fault for a socket error: ENETDOWN means the interface went down or was deleted (<see cref="KernelLink.DownOrGone"/>).</summary>
    private string Stopped(int errno)
    {
        if (errno != PacketNative.ENetDown) return $"{Name}: receiving failed ({TapNative.Describe(errno)})";
        return DownOrGone(_ifIndex);
    }

    /// <summary>Checks the interface carries Ethernet and is up; answers its hardware address.</summary>
    private static MacAddress CheckInterface(int fd, string device)
    {
        byte* request = stackalloc byte[TapNative.IfReqLength];
        var span = new Span<byte>(request, TapNative.IfReqLength);
        span.Clear();
        Encoding.UTF8.GetBytes(device, span[..(TapNative.IfNameSize - 1)]);
        if (PacketNative.Ioctl(fd, PacketNative.SiocGifHwAddr, request) < 0)
            throw Refused(device, "reading the hardware address", Marshal.GetLastPInvokeError());
        if (BitConverter.ToUInt16(span[TapNative.IfReqUnion..]) != PacketNative.ArphrdEther)
            throw new InterfaceLinkException(InterfaceLinkError.NotEthernet, $"interface {device} does not carry Ethernet frames");
        var deviceMac = MacAddress.Read(span[(TapNative.IfReqUnion + 2)..]);
        if (PacketNative.Ioctl(fd, PacketNative.SiocGifFlags, request) < 0)
            throw Refused(device, "reading the interface flags", Marshal.GetLastPInvokeError());
        if ((BitConverter.ToInt16(span[TapNative.IfReqUnion..]) & PacketNative.IffUp) == 0)
            throw new InterfaceLinkException(InterfaceLinkError.InterfaceDown, $"interface {device} is down");
        return deviceMac;
    }

    private static InterfaceLinkException Refused(string device, string what, int errno) => errno switch
    {
        TapNative.EPerm or TapNative.EAcces =>
            new InterfaceLinkException(InterfaceLinkError.NotPermitted, $"interface {device}: {what} needs root or CAP_NET_RAW ({TapNative.Describe(errno)})"),
        PacketNative.ENoDev or PacketNative.ENxIo =>
            new InterfaceLinkException(InterfaceLinkError.NotFound, $"interface {device} does not exist"),
        PacketNative.ENetDown =>
            new InterfaceLinkException(InterfaceLinkError.InterfaceDown, $"interface {device} is down"),
        _ => new InterfaceLinkException(InterfaceLinkError.Failed, $"interface {device}: {what} failed ({TapNative.Describe(errno)})"),
    };

    /// <summary>Called once the reader has been woken to stop: joins it, closes the socket (the interface leaves promiscuous mode) and frees the buffers.</summary>
    protected override void CloseDevice()
    {
        _reader.Join();
        UnmapRing();
        TapNative.Close(_fd);
        NativeMemory.Free(_buffers);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_sources);
        NativeMemory.Free(_auxiliary);
    }

    public override string ToString() => $"{Name} (AF_PACKET, {Mac}, MTU {Mtu}, {(IsUp ? "up" : "down")})";
}
