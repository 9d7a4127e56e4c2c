using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/*  Stream header record payload (type 0x01), the first record on every connection
    (docs/page-stream.md sec 3.1):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                      magic "NMPS" (0x4E4D5053)                |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          version (3)          |    flags (bit 0 = resume)     |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                      page size (4096)                         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                      memory size in octets                    |
    +                           (64 bits)                           +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    | channel index | channel count |         reserved (0)          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                   resume token (16 octets)                    |
*/
file static class HeaderField
{
    public const int Magic = 0;
    public const int Version = 4;
    public const int Flags = 6;
    public const int PageSize = 8;
    public const int MemorySize = 12;
    public const int ChannelIndex = 20;
    public const int ChannelCount = 21;
    public const int Reserved = 22;
    public const int Token = 24;
    public const int Length = 40;
}

/// <summary>The stream header: who is sending what, on which of how many channels, under which resume token.</summary>
public readonly record struct StreamHeader(long MemorySize, byte ChannelIndex, byte ChannelCount, Guid ResumeToken, bool Resume, int PageSize = StreamHeader.SupportedPageSize)
{
    public const uint Magic = 0x4E4D5053;
    public const ushort CurrentVersion = 3;
    public const int SupportedPageSize = 4096;
    public const int Length = HeaderField.Length;
    private const ushort ResumeFlag = 1;

    public long PageCount => MemorySize / PageSize;

    public static bool TryParse(ReadOnlySpan<byte> payload, out StreamHeader header, out PageStreamError error)
    {
        header = default;
        if (payload.Length != HeaderField.Length) { error = PageStreamError.BadLength; return false; }
        if (BinaryPrimitives.ReadUInt32BigEndian(payload[HeaderField.Magic..]) != Magic) { error = PageStreamError.BadMagic; return false; }
        if (BinaryPrimitives.ReadUInt16BigEndian(payload[HeaderField.Version..]) != CurrentVersion) { error = PageStreamError.BadVersion; return false; }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(payload[HeaderField.Flags..]);
        if ((flags & ~ResumeFlag) != 0 || BinaryPrimitives.ReadUInt16BigEndian(payload[HeaderField.Reserved..]) != 0)
        {
            error = PageStreamError.BadLength;
            return false;
        }
        uint pageSize = BinaryPrimitives.ReadUInt32BigEndian(payload[HeaderField.PageSize..]);
        if (pageSize != SupportedPageSize) { error = PageStreamError.Unsupported; return false; }
        ulong memory = BinaryPrimitives.ReadUInt64BigEndian(payload[HeaderField.MemorySize..]);
        // Page numbers are 32-bit on the wire (sec 3.2), which bounds the memory at 16 TiB.
        if (memory == 0 || memory % pageSize != 0 || memory / pageSize > uint.MaxValue) { error = PageStreamError.BadLength; return false; }
        byte index = payload[HeaderField.ChannelIndex], count = payload[HeaderField.ChannelCount];
        if (count == 0 || index >= count) { error = PageStreamError.BadLength; return false; }
        header = new StreamHeader((long)memory, index, count, new Guid(payload.Slice(HeaderField.Token, 16), bigEndian: true),
            (flags & ResumeFlag) != 0, (int)pageSize);
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[HeaderField.Magic..], Magic);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[HeaderField.Version..], CurrentVersion);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[HeaderField.Flags..], Resume ? ResumeFlag : (ushort)0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[HeaderField.PageSize..], (uint)PageSize);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[HeaderField.MemorySize..], (ulong)MemorySize);
        buffer[HeaderField.ChannelIndex] = ChannelIndex;
        buffer[HeaderField.ChannelCount] = ChannelCount;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[HeaderField.Reserved..], 0);
        ResumeToken.TryWriteBytes(buffer.Slice(HeaderField.Token, 16), bigEndian: true, out _);
        return HeaderField.Length;
    }
}
