using System.Buffers;
using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>
/// One datagram being put back together (RFC 791 sec 3.2, RFC 815): the payload in a pooled 64 KiB
/// buffer, a bitmap of the 8-byte blocks received, the first fragment's header, and the payload length
/// once the last fragment has told it. Instances are pooled by the node.
/// </summary>
internal sealed class Reassembly
{
    private const int MaxPayload = ushort.MaxValue - Ipv4Header.MinLength;
    private const int FlagsFragmentOffset = 6;
    private const int TotalLengthOffset = 2;
    private const ushort DontFragmentFlag = 0x4000;
    private readonly ulong[] _blocks = new ulong[(MaxPayload / 8 + 64) / 64];
    private readonly byte[] _header = new byte[60];
    private byte[]? _payload;
    private int _highestBlock;

    public (uint Source, uint Destination, byte Protocol, ushort Id) Key { get; private set; }
    public NetInterface Interface { get; private set; } = null!;
    public long DeadlineTicks { get; private set; }
    public int HeaderLength { get; private set; }
    public int PayloadLength { get; private set; }
    /// <summary>The first fragment's payload bytes, for the quote of a timeout error.</summary>
    public int FirstFragmentLength { get; private set; }

    public void Start((uint, uint, byte, ushort) key, NetInterface iface, long deadlineTicks)
    {
        Key = key;
        Interface = iface;
        DeadlineTicks = deadlineTicks;
        HeaderLength = 0;
        PayloadLength = -1;
        FirstFragmentLength = 0;
        _highestBlock = 0;
        _payload = ArrayPool<byte>.Shared.Rent(MaxPayload);
    }

    /// <summary>Adds a fragment; false when it cannot belong to a well-formed datagram.</summary>
    public bool Add(Ipv4Packet fragment)
    {
        int offset = fragment.FragmentOffset * 8;
        var data = fragment.Payload;
        int end = offset + data.Length;
        if (end > MaxPayload) return false;
        // RFC 791 sec 3.2: every fragment but the last carries a multiple of 8 bytes.
        if (fragment.MoreFragments && data.Length % 8 != 0) return false;
        if (!fragment.MoreFragments)
        {
            if (PayloadLength >= 0 && PayloadLength != end) return false;
            PayloadLength = end;
        }
        if (PayloadLength >= 0 && end > PayloadLength) return false;
        data.CopyTo(_payload.AsSpan(offset));
        if (offset == 0)
        {
            fragment.Header.CopyTo(_header);
            HeaderLength = fragment.HeaderLength;
            FirstFragmentLength = data.Length;
        }
        int lastBlock = (end + 7) / 8;
        for (int block = offset / 8; block < lastBlock; block++) _blocks[block >> 6] |= 1UL << (block & 63);
        _highestBlock = Math.Max(_highestBlock, lastBlock);
        return true;
    }

    public bool IsComplete
    {
        get
        {
            if (PayloadLength < 0 || HeaderLength == 0) return false;
            int blocks = (PayloadLength + 7) / 8;
            for (int block = 0; block < blocks; block++)
                if ((_blocks[block >> 6] & (1UL << (block & 63))) == 0) return false;
            return true;
        }
    }

    /// <summary>Writes the whole datagram: the first fragment's header with MF and offset cleared, then the payload; returns its length.</summary>
    public int CopyDatagram(Span<byte> destination)
    {
        int length = HeaderLength + PayloadLength;
        _header.AsSpan(0, HeaderLength).CopyTo(destination);
        _payload.AsSpan(0, PayloadLength).CopyTo(destination[HeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[TotalLengthOffset..], (ushort)length);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(destination[FlagsFragmentOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[FlagsFragmentOffset..], (ushort)(flags & DontFragmentFlag));
        Ipv4InPlace.RewriteChecksum(destination);
        return length;
    }

    /// <summary>The first fragment as it came (header and as much of its payload as fits), for an error that quotes it.</summary>
    public int CopyFirstFragment(Span<byte> destination)
    {
        int take = Math.Min(FirstFragmentLength, destination.Length - HeaderLength);
        _header.AsSpan(0, HeaderLength).CopyTo(destination);
        _payload.AsSpan(0, take).CopyTo(destination[HeaderLength..]);
        return HeaderLength + take;
    }

    /// <summary>Gives the payload buffer back and clears the bitmap, ready for the pool.</summary>
    public void Release()
    {
        Array.Clear(_blocks, 0, (_highestBlock + 63) / 64);
        _highestBlock = 0;
        if (_payload is not null) ArrayPool<byte>.Shared.Return(_payload);
        _payload = null;
    }
}
