using System.Buffers.Binary;
using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.PageStream;

/*  Page batch record payload (type 0x02, docs/page-stream.md sec 3.2):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                         round number                          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |               batch sequence number (64 bits, per channel)    |
    +                                                               +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          page count           |         reserved (0)          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    then page count entries, each:
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                          page number                          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |   encoding    |        payload length         |  payload ...
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
*/
file static class BatchField
{
    public const int Round = 0;
    public const int Sequence = 4;
    public const int Count = 12;
    public const int Reserved = 14;
    public const int HeaderLength = 16;
    public const int EntryPage = 0;
    public const int EntryEncoding = 4;
    public const int EntryLength = 5;
    public const int EntryHeaderLength = 7;
}

/// <summary>One page of a batch: where it goes, how it is encoded, and its payload (a slice of the record).</summary>
public readonly ref struct PageEntry(int pageNumber, PageEncoding encoding, ReadOnlySpan<byte> payload)
{
    public int PageNumber { get; } = pageNumber;
    public PageEncoding Encoding { get; } = encoding;
    public ReadOnlySpan<byte> Payload { get; } = payload;
}

/// <summary>
/// Zero-copy view of a page batch payload. <see cref="TryCreate"/> walks every entry once and checks page
/// numbers, encodings and lengths, so that after it succeeds the enumerator never fails.
/// </summary>
public readonly ref struct PageBatch
{
    public const int HeaderLength = BatchField.HeaderLength;
    public const int EntryHeaderLength = BatchField.EntryHeaderLength;

    private readonly ReadOnlySpan<byte> _payload;

    private PageBatch(ReadOnlySpan<byte> payload) => _payload = payload;

    public uint Round => BinaryPrimitives.ReadUInt32BigEndian(_payload[BatchField.Round..]);
    public ulong Sequence => BinaryPrimitives.ReadUInt64BigEndian(_payload[BatchField.Sequence..]);
    public int Count => BinaryPrimitives.ReadUInt16BigEndian(_payload[BatchField.Count..]);

    public static bool TryCreate(ReadOnlySpan<byte> payload, int pageCount, out PageBatch batch, out PageStreamError error)
    {
        batch = default;
        if (payload.Length < BatchField.HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(payload[BatchField.Reserved..]) != 0)
        {
            error = PageStreamError.BadLength;
            return false;
        }
        int count = BinaryPrimitives.ReadUInt16BigEndian(payload[BatchField.Count..]);
        var rest = payload[BatchField.HeaderLength..];
        for (int i = 0; i < count; i++)
        {
            if (rest.Length < BatchField.EntryHeaderLength) { error = PageStreamError.BadLength; return false; }
            uint page = BinaryPrimitives.ReadUInt32BigEndian(rest[BatchField.EntryPage..]);
            var encoding = (PageEncoding)rest[BatchField.EntryEncoding];
            int length = BinaryPrimitives.ReadUInt16BigEndian(rest[BatchField.EntryLength..]);
            if (page >= (uint)pageCount) { error = PageStreamError.BadPageNumber; return false; }
            if (!LengthFits(encoding, length, out error)) return false;
            if (rest.Length - BatchField.EntryHeaderLength < length) { error = PageStreamError.BadLength; return false; }
            rest = rest[(BatchField.EntryHeaderLength + length)..];
        }
        if (!rest.IsEmpty) { error = PageStreamError.BadLength; return false; }
        batch = new PageBatch(payload);
        error = PageStreamError.None;
        return true;
    }

    /// <summary>The payload length each encoding allows (sec 3.2): a whole page raw, nothing for zero and unchanged.</summary>
    private static bool LengthFits(PageEncoding encoding, int length, out PageStreamError error)
    {
        bool fits = encoding switch
        {
            PageEncoding.Raw => length == MemoryImage.PageSize,
            PageEncoding.Zero or PageEncoding.Unchanged => length == 0,
            PageEncoding.Delta or PageEncoding.Lz4 or PageEncoding.Zstd or PageEncoding.Deflate => length is > 0 and <= PageEncoder.MaxEncodedLength,
            _ => false,
        };
        error = fits ? PageStreamError.None
            : encoding > PageEncoding.Deflate ? PageStreamError.BadEncoding
            : PageStreamError.BadLength;
        return fits;
    }

    public Enumerator GetEnumerator() => new(_payload[BatchField.HeaderLength..], Count);

    public ref struct Enumerator
    {
        private ReadOnlySpan<byte> _rest;
        private int _left;
        private PageEntry _current;

        internal Enumerator(ReadOnlySpan<byte> entries, int count)
        {
            _rest = entries;
            _left = count;
            _current = default;
        }

        public readonly PageEntry Current => _current;

        public bool MoveNext()
        {
            if (_left == 0) return false;
            _left--;
            int length = BinaryPrimitives.ReadUInt16BigEndian(_rest[BatchField.EntryLength..]);
            _current = new PageEntry((int)BinaryPrimitives.ReadUInt32BigEndian(_rest[BatchField.EntryPage..]),
                (PageEncoding)_rest[BatchField.EntryEncoding], _rest.Slice(BatchField.EntryHeaderLength, length));
            _rest = _rest[(BatchField.EntryHeaderLength + length)..];
            return true;
        }
    }

    /// <summary>Writes the batch header fields; the builder fills the count when the batch is finished.</summary>
    internal static void EmitHeader(Span<byte> buffer, uint round, ulong sequence, int count)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[BatchField.Round..], round);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[BatchField.Sequence..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[BatchField.Count..], (ushort)count);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[BatchField.Reserved..], 0);
    }

    internal static void EmitEntryHeader(Span<byte> buffer, int pageNumber, PageEncoding encoding, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[BatchField.EntryPage..], (uint)pageNumber);
        buffer[BatchField.EntryEncoding] = (byte)encoding;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[BatchField.EntryLength..], (ushort)length);
    }
}
