using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// End-of-stream record payload (type 0x05, docs/page-stream.md sec 3.5): the last round number (32 bits)
/// and the digest of the whole image as the source holds it after stop-and-copy.
/// </summary>
public readonly record struct EndOfStream(uint FinalRound, ImageDigest Digest)
{
    public const int Length = 4 + ImageDigest.Length;

    public static bool TryParse(ReadOnlySpan<byte> payload, out EndOfStream record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        record = new EndOfStream(BinaryPrimitives.ReadUInt32BigEndian(payload), ImageDigest.Read(payload[4..]));
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer, FinalRound);
        Digest.Write(buffer[4..]);
        return Length;
    }
}
