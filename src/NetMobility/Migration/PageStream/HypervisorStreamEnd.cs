using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Hypervisor stream end record payload (type 0x0B, docs/page-stream.md sec 9.4): the length of the whole stream
/// (64 bits). The hypervisor closed its end; every octet before it has been sent.
/// </summary>
public readonly record struct HypervisorStreamEnd(long StreamLength)
{
    public const int Length = 8;
    /// <summary>The largest stream offset the relay speaks of (2^62): far beyond any guest, and no sum of two overflows.</summary>
    public const ulong MaxLength = 1UL << 62;

    public static bool TryParse(ReadOnlySpan<byte> payload, out HypervisorStreamEnd record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        ulong length = BinaryPrimitives.ReadUInt64BigEndian(payload);
        if (length > MaxLength) { error = PageStreamError.BadLength; return false; }
        record = new HypervisorStreamEnd((long)length);
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer, (ulong)StreamLength);
        return Length;
    }
}
