using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Hypervisor ack record payload (type 0x85, destination -> source, docs/page-stream.md sec 9.5): how many octets of
/// the hypervisor's stream the destination has delivered to its hypervisor (64 bits), all earlier ones included.
/// Sent after every relay header (the resume point) and as chunks are delivered; never goes back.
/// </summary>
public readonly record struct HypervisorAck(long Delivered)
{
    public const int Length = 8;

    public static bool TryParse(ReadOnlySpan<byte> payload, out HypervisorAck record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        ulong delivered = BinaryPrimitives.ReadUInt64BigEndian(payload);
        if (delivered > HypervisorStreamEnd.MaxLength) { error = PageStreamError.BadLength; return false; }
        record = new HypervisorAck((long)delivered);
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer, (ulong)Delivered);
        return Length;
    }
}
