namespace NetMobility.Migration.PageStream;

/// <summary>
/// Ready record payload (type 0x82, destination -> source, docs/page-stream.md sec 4.2): the digest the
/// destination computed over its rebuilt image, sent only when it equals the one in end of stream.
/// </summary>
public readonly record struct Ready(ImageDigest Digest)
{
    public const int Length = ImageDigest.Length;

    public static bool TryParse(ReadOnlySpan<byte> payload, out Ready record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        record = new Ready(ImageDigest.Read(payload));
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        Digest.Write(buffer);
        return Length;
    }
}
