using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/*  Device state record payload (type 0x04, docs/page-stream.md sec 3.4): one chunk of the VM's device state, an
    opaque octet string of any length up to the destination's bound, sent as consecutive chunks from offset 0.

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                  offset of this chunk's data                  |
    +                           (64 bits)                           +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |               total length of the device state                |
    +                           (64 bits)                           +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   data: 1 .. MaxData octets ...
*/
file static class ChunkField
{
    public const int Offset = 0;
    public const int Total = 8;
    public const int Data = 16;
}

/// <summary>
/// A view over one device-state chunk: <see cref="Offset"/>, <see cref="Total"/> and <see cref="Data"/> (valid as long
/// as the payload is). <see cref="TryParse"/> checks the record on its own (length, the chunk inside the total); the
/// order of chunks and the bound on the total are the stream's checks (<see cref="ForwardStreamHandler"/>).
/// </summary>
public readonly ref struct DeviceStateChunk
{
    public const int HeaderLength = ChunkField.Data;
    /// <summary>The most data one record carries: 64 KiB, so that the device state never holds a long record up.</summary>
    public const int MaxData = 64 * 1024;
    /// <summary>The largest total the format speaks of (2^62): no sum of an offset and a length overflows.</summary>
    public const ulong MaxTotal = 1UL << 62;

    private DeviceStateChunk(long offset, long total, ReadOnlySpan<byte> data)
    {
        Offset = offset;
        Total = total;
        Data = data;
    }

    public long Offset { get; }

    /// <summary>The length of the whole device state, the same in every chunk of it.</summary>
    public long Total { get; }

    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The offset just past this chunk's data.</summary>
    public long End => Offset + Data.Length;

    /// <summary>True when this chunk ends the device state.</summary>
    public bool IsLast => End == Total;

    /// <summary>
    /// Parses a chunk: 1 to <see cref="MaxData"/> data octets, a total of at most <see cref="MaxTotal"/>, and the data
    /// inside the total; <see cref="PageStreamError.BadLength"/> otherwise.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out DeviceStateChunk chunk, out PageStreamError error)
    {
        chunk = default;
        if (payload.Length <= HeaderLength || payload.Length > HeaderLength + MaxData) { error = PageStreamError.BadLength; return false; }
        ulong offset = BinaryPrimitives.ReadUInt64BigEndian(payload[ChunkField.Offset..]);
        ulong total = BinaryPrimitives.ReadUInt64BigEndian(payload[ChunkField.Total..]);
        int length = payload.Length - HeaderLength;
        if (total > MaxTotal || offset > total || (ulong)length > total - offset) { error = PageStreamError.BadLength; return false; }
        chunk = new DeviceStateChunk((long)offset, (long)total, payload[HeaderLength..]);
        error = PageStreamError.None;
        return true;
    }

    /// <summary>Writes the chunk's header in front of data already in place at <paramref name="payload"/>[16..].</summary>
    public static void EmitHeader(Span<byte> payload, long offset, long total)
    {
        BinaryPrimitives.WriteUInt64BigEndian(payload[ChunkField.Offset..], (ulong)offset);
        BinaryPrimitives.WriteUInt64BigEndian(payload[ChunkField.Total..], (ulong)total);
    }
}
