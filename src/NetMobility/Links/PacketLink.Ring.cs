namespace NetMobility.Links;

/// <summary>
/// The receive side through a TPACKET_V3 ring (PACKET_RX_RING mapped into the process): the kernel writes frames
/// straight into blocks the reader shares with it and hands a block over when it is full or when
/// <see cref="RetireBlockTimeoutMs"/> has passed since its first frame; the reader walks the block's frames in place
/// (no copy, no system call per batch beyond poll()) and gives it back. Where the kernel refuses the ring, the link
/// takes frames with recvmmsg(2) instead.
/// </summary>
public sealed unsafe partial class PacketLink
{
    /// <summary>The ring's block size: a multiple of the page size, larger than the largest frame (64 KiB).</summary>
    public const int RingBlockBytes = 256 << 10;

    /// <summary>Blocks in the ring: 4 MiB in all, as <see cref="ReceiveBufferBytes"/> for the socket.</summary>
    public const int RingBlocks = 16;

    /// <summary>
    /// How long the kernel keeps a block that is not full before handing it to the reader: the latency a lone frame can
    /// take on the ring (the kernel's timer runs in jiffies, so this is 1 to 4 ms).
    /// </summary>
    public const int RetireBlockTimeoutMs = 1;

    private byte* _ring;
    private int _ringBlock;

    /// <summary>True when frames come through the TPACKET_V3 ring, false when through recvmmsg(2).</summary>
    public bool UsesRing => _ring != null;

    /// <summary>Sets the socket up with a TPACKET_V3 receive ring and maps it; null when the kernel refuses (recvmmsg then).</summary>
    private static byte* MapRing(int fd)
    {
        int version = PacketNative.TPacketV3;
        if (PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketVersion, &version, sizeof(int)) < 0) return null;
        var request = new PacketNative.TPacketReq3
        {
            BlockSize = RingBlockBytes,
            BlockCount = RingBlocks,
            FrameSize = 2048,
            FrameCount = RingBlockBytes / 2048 * RingBlocks,
            RetireBlockTimeoutMs = RetireBlockTimeoutMs,
        };
        if (PacketNative.SetSockOpt(fd, PacketNative.SolPacket, PacketNative.PacketRxRing, &request, (uint)sizeof(PacketNative.TPacketReq3)) < 0) return null;
        nint ring = PacketNative.MMap(0, (nuint)RingBlockBytes * RingBlocks, PacketNative.ProtRead | PacketNative.ProtWrite, PacketNative.MapShared, fd, 0);
        return ring == -1 ? null : (byte*)ring;
    }

    /// <summary>Takes every block the kernel has handed over, frame by frame, and gives each back; true while the socket works.</summary>
    private bool DrainRing()
    {
        while (true)
        {
            byte* block = _ring + (nint)_ringBlock * RingBlockBytes;
            ref uint status = ref *(uint*)(block + PacketNative.BlockStatusOffset);
            if ((Volatile.Read(ref status) & PacketNative.TpStatusUser) == 0)
            {
                CountKernelDrops();
                return true;
            }
            uint count = *(uint*)(block + PacketNative.BlockPacketsOffset);
            byte* header = block + *(uint*)(block + PacketNative.BlockFirstPacketOffset);
            for (uint i = 0; i < count; i++)
            {
                TakeFromRing(header);
                uint next = *(uint*)(header + PacketNative.NextOffset);
                if (next == 0) break;
                header += next;
            }
            // The block goes back to the kernel only after every frame in it was copied out.
            Volatile.Write(ref status, PacketNative.TpStatusKernel);
            _ringBlock = (_ringBlock + 1) % RingBlocks;
        }
    }

    private void TakeFromRing(byte* header)
    {
        byte packetType = header[PacketNative.SockAddrOffset + 10];
        if (packetType == PacketNative.PacketOutgoing) return;
        uint captured = *(uint*)(header + PacketNative.SnapLengthOffset), length = *(uint*)(header + PacketNative.LengthOffset);
        if (captured < length || length > (uint)_slotSize)
        {
            Counters.CountDrop(LinkDrop.TooBig);
            return;
        }
        var frame = new Span<byte>(header + *(ushort*)(header + PacketNative.MacOffset), (int)captured);
        if ((*(uint*)(header + PacketNative.StatusOffset) & PacketNative.TpStatusCsumNotReady) != 0) PartialChecksum.Complete(frame);
        Offer(frame);
    }

    private void UnmapRing()
    {
        if (_ring != null) PacketNative.MUnmap((nint)_ring, (nuint)RingBlockBytes * RingBlocks);
        _ring = null;
    }
}
