using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/*  Hypervisor chunk record payload (type 0x0A, docs/page-stream.md sec 9.3): where the chunk starts in the
    hypervisor's stream, then its octets.

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    offset in the stream                       |
    +                          (64 bits)                            +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   data: 1 .. MaxData octets ...
*/

/// <summary>
/// A view over one hypervisor chunk payload: <see cref="Offset"/> and <see cref="Data"/> (valid as long as the payload
/// is). <see cref="TryParse"/> checks the length; once it succeeds the accessors cannot fail.
/// </summary>
public readonly ref struct HypervisorChunk
{
    public const int HeaderLength = 8;
    /// <summary>The most data one chunk carries: 64 KiB, so that a chunk is never long behind the bytes that follow it.</summary>
    public const int MaxData = 64 * 1024;

    private HypervisorChunk(long offset, ReadOnlySpan<byte> data)
    {
        Offset = offset;
        Data = data;
    }

    public long Offset { get; }

    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The offset just past this chunk's data.</summary>
    public long End => Offset + Data.Length;

    /// <summary>Parses a chunk: at least one data octet, at most <see cref="MaxData"/>, an offset below 2^62 (<see cref="PageStreamError.BadLength"/>).</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out HypervisorChunk chunk, out PageStreamError error)
    {
        chunk = default;
        if (payload.Length <= HeaderLength || payload.Length > HeaderLength + MaxData) { error = PageStreamError.BadLength; return false; }
        ulong offset = BinaryPrimitives.ReadUInt64BigEndian(payload);
        if (offset > HypervisorStreamEnd.MaxLength) { error = PageStreamError.BadLength; return false; }
        chunk = new HypervisorChunk((long)offset, payload[HeaderLength..]);
        error = PageStreamError.None;
        return true;
    }

    /// <summary>Writes the chunk's header (its offset) in front of data already in place at <paramref name="payload"/>[8..].</summary>
    public static void EmitHeader(Span<byte> payload, long offset) => BinaryPrimitives.WriteUInt64BigEndian(payload, (ulong)offset);
}
