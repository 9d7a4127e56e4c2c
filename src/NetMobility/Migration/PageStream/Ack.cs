using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Acknowledgement record payload (type 0x81, destination -> source, docs/page-stream.md sec 4.1): the
/// highest batch sequence number of this channel whose pages the destination has applied, all earlier
/// ones included. Sent after the stream header (0 on a new stream) and as batches are applied; a
/// resumed source re-sends the pages of every batch after it.
/// </summary>
public readonly record struct Ack(ulong AppliedSequence)
{
    public const int Length = 8;

    public static bool TryParse(ReadOnlySpan<byte> payload, out Ack record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        record = new Ack(BinaryPrimitives.ReadUInt64BigEndian(payload));
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer, AppliedSequence);
        return Length;
    }
}
