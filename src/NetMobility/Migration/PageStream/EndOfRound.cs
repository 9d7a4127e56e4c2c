using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// End-of-round record payload (type 0x03, docs/page-stream.md sec 3.3): round number (32 bits) and the
/// number of pages this channel sent in the round (32 bits). The destination checks the count.
/// </summary>
public readonly record struct EndOfRound(uint Round, uint PagesInRound)
{
    public const int Length = 8;

    public static bool TryParse(ReadOnlySpan<byte> payload, out EndOfRound record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        record = new EndOfRound(BinaryPrimitives.ReadUInt32BigEndian(payload), BinaryPrimitives.ReadUInt32BigEndian(payload[4..]));
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer, Round);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], PagesInRound);
        return Length;
    }
}
