using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Resumed record payload (type 0x84, destination -> source, docs/page-stream.md sec 4.4): the destination runs
/// the VM; how long it took from the commit's arrival to the VM running, in nanoseconds. Informational: the
/// source has released the VM before it; it uses the record to report the downtime up to the resumption.
/// </summary>
public readonly record struct Resumed(ulong ResumeNanoseconds)
{
    public const int Length = 8;

    public TimeSpan ResumeTime => Durations.FromNanoseconds(ResumeNanoseconds);

    public static bool TryParse(ReadOnlySpan<byte> payload, out Resumed record, out PageStreamError error)
    {
        record = default;
        if (payload.Length != Length) { error = PageStreamError.BadLength; return false; }
        record = new Resumed(BinaryPrimitives.ReadUInt64BigEndian(payload));
        error = PageStreamError.None;
        return true;
    }

    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer, ResumeNanoseconds);
        return Length;
    }
}
