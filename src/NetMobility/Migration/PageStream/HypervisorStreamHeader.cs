using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/*  Hypervisor stream header record payload (type 0x09), the first record on every connection of the hypervisor
    stream relay (docs/page-stream.md sec 9.2):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                      magic "NMHS" (0x4E4D4853)                |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          version (1)          |    flags (bit 0 = resume)     |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                   resume token (16 octets)                    |
*/
file static class HeaderField
{
    public const int Magic = 0;
    public const int Version = 4;
    public const int Flags = 6;
    public const int Token = 8;
    public const int Length = 24;
}

/// <summary>The hypervisor stream relay's header: which relayed stream this connection carries, new or resumed.</summary>
public readonly record struct HypervisorStreamHeader(Guid ResumeToken, bool Resume)
{
    public const uint Magic = 0x4E4D4853;
    public const ushort CurrentVersion = 1;
    public const int Length = HeaderField.Length;
    private const ushort ResumeFlag = 1;

    public static bool TryParse(ReadOnlySpan<byte> payload, out HypervisorStreamHeader header, out PageStreamError error)
    {
        header = default;
        if (payload.Length != HeaderField.Length) { error = PageStreamError.BadLength; return false; }
        if (BinaryPrimitives.ReadUInt32BigEndian(payload[HeaderField.Magic..]) != Magic) { error = PageStreamError.BadMagic; return false; }
        if (BinaryPrimitives.ReadUInt16BigEndian(payload[HeaderField.Version..]) != CurrentVersion) { error = PageStreamError.BadVersion; return false; }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(payload[HeaderField.Flags..]);
        if ((flags & ~ResumeFlag) != 0) { error = PageStreamError.BadLength; return false; }
        header = new HypervisorStreamHeader(new Guid(payload.Slice(HeaderField.Token, 16), bigEndian: true), (flags & ResumeFlag) != 0);
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[HeaderField.Magic..], Magic);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[HeaderField.Version..], CurrentVersion);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[HeaderField.Flags..], Resume ? ResumeFlag : (ushort)0);
        ResumeToken.TryWriteBytes(buffer.Slice(HeaderField.Token, 16), bigEndian: true, out _);
        return Length;
    }
}
