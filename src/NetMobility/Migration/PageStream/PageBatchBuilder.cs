using System.Buffers;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Builds one page batch record at a time in a buffer rented once (the frame limit plus the record header),
/// encoding each page straight into it: no allocation per page or per batch. The caller owns the builder
/// and disposes it, which returns the buffer to the pool.
/// </summary>
public sealed class PageBatchBuilder : IDisposable
{
    /// <summary>Pages per batch at most: a batch is also the unit of acknowledgement and of re-sending after a resume.</summary>
    public const int DefaultMaxPages = 256;

    private byte[]? _buffer;
    private readonly int _maxPages;
    private readonly int _maxPayload;
    private int _payloadLength;
    private uint _round;
    private ulong _sequence;
    private readonly int[] _pages;

    public PageBatchBuilder(int maxPages = DefaultMaxPages, int maxPayload = RecordFrame.MaxPayloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPages, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayload, PageBatch.HeaderLength + PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength);
        _maxPages = maxPages;
        _maxPayload = maxPayload;
        _buffer = ArrayPool<byte>.Shared.Rent(RecordFrame.HeaderLength + maxPayload);
        _pages = new int[maxPages];
    }

    public int Count { get; private set; }
    public bool IsEmpty => Count == 0;
    public uint Round => _round;
    public ulong Sequence => _sequence;

    /// <summary>The page numbers in the batch being built, in order.</summary>
    public ReadOnlySpan<int> Pages => _pages.AsSpan(0, Count);

    /// <summary>True when one more page of any encoding fits.</summary>
    public bool HasRoom => Count < _maxPages && _maxPayload - _payloadLength >= PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength;

    /// <summary>Starts a new, empty batch.</summary>
    public void Begin(uint round, ulong sequence)
    {
        _round = round;
        _sequence = sequence;
        Count = 0;
        _payloadLength = PageBatch.HeaderLength;
    }

    /// <summary>
    /// Encodes <paramref name="page"/> into the batch; returns the encoding chosen and the octets it added.
    /// A page the encoder finds unchanged since it was last sent adds nothing: the destination already holds it.
    /// </summary>
    public PageEncoding Add(PageEncoder encoder, int pageNumber, ReadOnlySpan<byte> page, out int entryBytes)
    {
        if (!HasRoom) throw new InvalidOperationException("the batch is full");
        var buffer = Buffer;
        var entry = buffer.Slice(RecordFrame.HeaderLength + _payloadLength);
        var encoding = encoder.Encode(pageNumber, page, entry[PageBatch.EntryHeaderLength..], out int written);
        if (encoding == PageEncoding.Unchanged)
        {
            entryBytes = 0;
            return encoding;
        }
        PageBatch.EmitEntryHeader(entry, pageNumber, encoding, written);
        entryBytes = PageBatch.EntryHeaderLength + written;
        _payloadLength += entryBytes;
        _pages[Count++] = pageNumber;
        return encoding;
    }

    /// <summary>Completes the record (header, count, CRC) and returns its octets, valid until the next <see cref="Begin"/>.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        var buffer = Buffer;
        var payload = buffer.Slice(RecordFrame.HeaderLength, _payloadLength);
        PageBatch.EmitHeader(payload, _round, _sequence, Count);
        RecordFrame.Emit(buffer, RecordType.PageBatch, payload);
        return buffer[..(RecordFrame.HeaderLength + _payloadLength)];
    }

    private Span<byte> Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PageBatchBuilder));

    public void Dispose()
    {
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }
}
