using System.Runtime.InteropServices;

namespace NetMobility.Links;

/// <summary>
/// The libc calls, structures and Linux constants an AF_PACKET socket needs (packet(7), linux/if_packet.h). The
/// structure layouts are those of LP64 Linux (x86-64, arm64). Callers read errno with
/// <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class PacketNative
{
    public const int AfPacket = 17, SockRaw = 3, SockNonBlock = 0x800, SockCloExec = 0x80000;
    public const int AfInet = 2, SockDgram = 2;
    /// <summary>ETH_P_ALL in network byte order, as socket(2) and sockaddr_ll take it.</summary>
    public const ushort EthPAllNetwork = 0x0300;

    public const int SolSocket = 1, SoError = 4, SoRcvBuf = 8, SoRcvBufForce = 33;
    public const int SolPacket = 263, PacketAddMembership = 1, PacketStatistics = 6, PacketAuxData = 8, PacketIgnoreOutgoing = 23;
    /// <summary>tpacket_auxdata.tp_status: the transport checksum is only the pseudo-header's sum (sender's offload).</summary>
    public const uint TpStatusCsumNotReady = 1 << 3;
    public const ushort PacketMrPromisc = 1;
    /// <summary>sll_pkttype of a frame this host sent (PACKET_OUTGOING).</summary>
    public const byte PacketOutgoing = 4;

    public const int MsgDontWait = 0x40, MsgTrunc = 0x20;
    public const int ENetDown = 100, ENoBufs = 105, ENxIo = 6, ENoDev = 19, EMsgSize = 90;

    // linux/sockios.h, linux/if.h, linux/if_arp.h
    public const nuint SiocGifFlags = 0x8913, SiocGifHwAddr = 0x8927;
    public const short IffUp = 0x1;
    public const ushort ArphrdEther = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public ulong Addr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PacketMreq
    {
        public int IfIndex;
        public ushort Type;
        public ushort ALen;
        public ulong Address;
    }

    /// <summary>struct tpacket_stats: frames the socket took and frames it dropped (its buffer full) since the last read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PacketStats
    {
        public uint Packets;
        public uint Drops;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct cmsghdr followed by struct tpacket_auxdata (PACKET_AUXDATA): the packet's status.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct AuxDataMessage
    {
        public nuint Length;
        public int Level;
        public int Type;
        public uint Status;
        public uint PacketLength;
        public uint SnapLength;
        public ushort Mac;
        public ushort Net;
        public ushort VlanTci;
        public ushort VlanTpid;
        private readonly uint _padding; // CMSG_SPACE rounds the 20 data bytes up to 24
    }

    /// <summary>struct mmsghdr: a struct msghdr and the length recvmmsg(2) received into it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
        private readonly int _padding; // struct msghdr ends 8-aligned, at 56 bytes
        public uint Length;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrLl* address, uint length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, byte* argument);

    // The TPACKET_V3 receive ring (packet(7), linux/if_packet.h).
    public const int PacketVersion = 10, PacketRxRing = 5, TPacketV3 = 2;
    public const uint TpStatusKernel = 0, TpStatusUser = 1;
    public const int ProtRead = 1, ProtWrite = 2, MapShared = 1;

    /// <summary>struct tpacket_block_desc: the offsets of block_status, num_pkts and offset_to_first_pkt (inside its tpacket_hdr_v1).</summary>
    public const int BlockStatusOffset = 8, BlockPacketsOffset = 12, BlockFirstPacketOffset = 16;

    /// <summary>struct tpacket3_hdr: tp_next_offset, tp_snaplen, tp_len, tp_status, tp_mac; the struct sockaddr_ll after it at TPACKET_ALIGN(sizeof) = 48.</summary>
    public const int NextOffset = 0, SnapLengthOffset = 12, LengthOffset = 16, StatusOffset = 20, MacOffset = 24, SockAddrOffset = 48;

    /// <summary>struct tpacket_req3: the ring's blocks, its nominal frames, and when a block not full is handed over.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TPacketReq3
    {
        public uint BlockSize;
        public uint BlockCount;
        public uint FrameSize;
        public uint FrameCount;
        public uint RetireBlockTimeoutMs;
        public uint PrivateSize;
        public uint FeatureRequest;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint MMap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int MUnmap(nint address, nuint length);
}
