using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Ready record payload (type 0x82, destination -> source, docs/page-stream.md sec 4.2): the digest of the
/// rebuilt image, sent only when it equals the one in end of stream, and how long the destination took to
/// verify it, in nanoseconds (for the source's report of the downtime).
/// </summary>
public readonly record struct Ready(ImageDigest Digest, ulong VerifyNanoseconds = 0)
{
    public const int Length = ImageDigest.Length + 8;

    public TimeSpan VerifyTime => Durations.FromNanoseconds(VerifyNanoseconds);

    public static bool TryParse(ReadOnlySpan<byte> payload, out Ready record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        record = new Ready(ImageDigest.Read(payload), BinaryPrimitives.ReadUInt64BigEndian(payload[ImageDigest.Length..]));
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        Digest.Write(buffer);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[ImageDigest.Length..], VerifyNanoseconds);
        return Length;
    }
}
