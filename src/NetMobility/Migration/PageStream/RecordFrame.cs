using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/*  Every page-stream record, in both directions (docs/page-stream.md sec 2), big-endian:

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |     type      |  flags (0)    |         reserved (0)          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                        payload length                         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          CRC-32C of octets 0..7 followed by the payload       |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   payload ...
*/
file static class FrameField
{
    public const int Type = 0;
    public const int Flags = 1;
    public const int Reserved = 2;
    public const int Length = 4;
    public const int Crc = 8;
}

/// <summary>The 12-octet header in front of every record: type, payload length and CRC-32C.</summary>
public readonly record struct RecordFrame(RecordType Type, int PayloadLength, uint Crc)
{
    public const int HeaderLength = 12;
    /// <summary>The largest payload a record may carry: the bound on what a reader buffers (1 MiB).</summary>
    public const int MaxPayloadLength = 1 << 20;

    /// <summary>
    /// Parses a frame header. <see cref="PageStreamError.Truncated"/> means fewer than 12 octets are there
    /// (need more data); the other errors mean the header is invalid. Nothing is consumed on failure.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, int maxPayloadLength, out RecordFrame frame, out int bytesConsumed, out PageStreamError error)
    {
        frame = default;
        bytesConsumed = 0;
        if (buffer.Length < HeaderLength) { error = PageStreamError.Truncated; return false; }
        if (buffer[FrameField.Flags] != 0 || BinaryPrimitives.ReadUInt16BigEndian(buffer[FrameField.Reserved..]) != 0)
        {
            error = PageStreamError.BadLength;
            return false;
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer[FrameField.Length..]);
        if (length > (uint)maxPayloadLength) { error = PageStreamError.Oversize; return false; }
        frame = new RecordFrame((RecordType)buffer[FrameField.Type], (int)length, BinaryPrimitives.ReadUInt32BigEndian(buffer[FrameField.Crc..]));
        bytesConsumed = HeaderLength;
        error = PageStreamError.None;
        return true;
    }

    /// <summary>True when <paramref name="payload"/> hashes, after this frame's first 8 octets, to <see cref="Crc"/>.</summary>
    public bool Verifies(ReadOnlySpan<byte> payload)
    {
        Span<byte> head = stackalloc byte[FrameField.Crc];
        WriteHead(head, Type, PayloadLength);
        return Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, head), payload)) == Crc;
    }

    /// <summary>
    /// Writes a complete record header for <paramref name="payload"/> into the first 12 octets of
    /// <paramref name="buffer"/>, computing the CRC; returns the octets written.
    /// </summary>
    public static int Emit(Span<byte> buffer, RecordType type, ReadOnlySpan<byte> payload)
    {
        WriteHead(buffer, type, payload.Length);
        uint crc = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, buffer[..FrameField.Crc]), payload));
        BinaryPrimitives.WriteUInt32BigEndian(buffer[FrameField.Crc..], crc);
        return HeaderLength;
    }

    private static void WriteHead(Span<byte> buffer, RecordType type, int payloadLength)
    {
        buffer[FrameField.Type] = (byte)type;
        buffer[FrameField.Flags] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[FrameField.Reserved..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[FrameField.Length..], (uint)payloadLength);
    }
}
