using System.Buffers.Binary;
using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.PageStream;

/*  Packed page batch record payload (type 0x07, docs/page-stream.md sec 3.7):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |           batch header, 16 octets, as in a page batch         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |    method     |                 reserved (0)                  |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                     plain entries length                      |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                 packed entries length (inflated)              |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  plain entries ...                                            |
    |  one compressed block (LZ4 block, zstd frame or raw Deflate)  |
    |  that inflates to exactly the packed entries length ...       |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

  The batch it stands for is the batch header, the plain entries, then the packed entries: a page batch
  (sec 3.2) whose page count covers both. Compressing the compressible pages of a batch together finds
  repeats across pages and pays the compressor's set-up once per batch instead of once per page.
*/
file static class PackedField
{
    public const int Method = 16;
    public const int Reserved = 17;
    public const int PlainLength = 20;
    public const int PackedLength = 24;
    public const int HeaderLength = 28;
}

/// <summary>
/// Zero-copy view of a packed page batch payload. <see cref="TryCreate"/> checks the fixed fields;
/// <see cref="TryUnpack"/> inflates the block and checks the batch it stands for like any page batch.
/// </summary>
public readonly ref struct PackedBatch
{
    public const int HeaderLength = PackedField.HeaderLength;

    /// <summary>Octets a packed batch adds over the page batch it stands for (before compression).</summary>
    public const int Overhead = PackedField.HeaderLength - PageBatch.HeaderLength;

    private readonly ReadOnlySpan<byte> _payload;

    private PackedBatch(ReadOnlySpan<byte> payload) => _payload = payload;

    public PageEncoding Method => (PageEncoding)_payload[PackedField.Method];
    public int PlainLength => (int)BinaryPrimitives.ReadUInt32BigEndian(_payload[PackedField.PlainLength..]);
    public int PackedLength => (int)BinaryPrimitives.ReadUInt32BigEndian(_payload[PackedField.PackedLength..]);

    /// <summary>Octets of the batch it stands for: batch header, plain entries and packed entries.</summary>
    public int UnpackedLength => PageBatch.HeaderLength + PlainLength + PackedLength;

    public ReadOnlySpan<byte> PlainEntries => _payload.Slice(PackedField.HeaderLength, PlainLength);
    public ReadOnlySpan<byte> Block => _payload[(PackedField.HeaderLength + PlainLength)..];

    /// <param name="maxUnpackedLength">The frame limit: the batch it stands for may not be larger than a page batch could be.</param>
    public static bool TryCreate(ReadOnlySpan<byte> payload, int maxUnpackedLength, out PackedBatch batch, out PageStreamError error)
    {
        batch = default;
        if (payload.Length < PackedField.HeaderLength
            || payload[PackedField.Reserved] != 0
            || BinaryPrimitives.ReadUInt16BigEndian(payload[(PackedField.Reserved + 1)..]) != 0)
        {
            error = PageStreamError.BadLength;
            return false;
        }
        var method = (PageEncoding)payload[PackedField.Method];
        if (method is not (PageEncoding.Lz4 or PageEncoding.Zstd or PageEncoding.Deflate))
        {
            error = PageStreamError.BadEncoding;
            return false;
        }
        uint plain = BinaryPrimitives.ReadUInt32BigEndian(payload[PackedField.PlainLength..]);
        uint packed = BinaryPrimitives.ReadUInt32BigEndian(payload[PackedField.PackedLength..]);
        long block = payload.Length - PackedField.HeaderLength - (long)plain;
        // The block must be there and smaller than what it inflates to; the whole must fit the frame limit.
        if (block < 1 || block >= packed || PageBatch.HeaderLength + (long)plain + packed > maxUnpackedLength)
        {
            error = PageStreamError.BadLength;
            return false;
        }
        batch = new PackedBatch(payload);
        error = PageStreamError.None;
        return true;
    }

    /// <summary>
    /// Writes the batch this stands for into <paramref name="scratch"/> (at least <see cref="UnpackedLength"/>
    /// octets) and checks it as a page batch. A block that does not inflate to exactly the announced length is
    /// <see cref="PageStreamError.BadEncoding"/>, with the compressor's reason in <paramref name="reason"/>.
    /// </summary>
    public bool TryUnpack(Span<byte> scratch, int pageCount, out PageBatch unpacked, out PageStreamError error, out string? reason)
    {
        unpacked = default;
        int plain = PlainLength;
        var target = scratch[..UnpackedLength];
        _payload[..PageBatch.HeaderLength].CopyTo(target);
        PlainEntries.CopyTo(target[PageBatch.HeaderLength..]);
        if (!PageDecoder.TryDecompressBlock(Method, Block, target[(PageBatch.HeaderLength + plain)..], out reason))
        {
            error = PageStreamError.BadEncoding;
            return false;
        }
        return PageBatch.TryCreate(target, pageCount, out unpacked, out error);
    }

    /// <summary>Writes the packed header fields after the batch header the builder wrote.</summary>
    internal static void EmitHeader(Span<byte> payload, PageEncoding method, int plainLength, int packedLength)
    {
        payload[PackedField.Method] = (byte)method;
        payload[PackedField.Reserved] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(payload[(PackedField.Reserved + 1)..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(payload[PackedField.PlainLength..], (uint)plainLength);
        BinaryPrimitives.WriteUInt32BigEndian(payload[PackedField.PackedLength..], (uint)packedLength);
    }
}
