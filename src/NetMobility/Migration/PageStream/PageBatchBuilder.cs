using System.Buffers;
using System.IO.Pipelines;
using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Builds one page batch record at a time in a buffer rented once (the frame limit plus the record header),
/// encoding each page straight into it: no allocation per page or per batch. With an encoder that packs
/// batches, the pages it marks compressible gather in a second buffer and <see cref="Finish"/> compresses
/// them as one block (a packed batch, sec 3.7) when that pays, else appends them as they are. The caller
/// owns the builder and disposes it, which returns the buffers to the pool.
/// </summary>
public sealed class PageBatchBuilder : IDisposable
{
    /// <summary>
    /// Pages per batch at most: a batch is also the unit of acknowledgement and of re-sending after a resume.
    /// 64 pages (a record of about 256 KiB) keeps most records inside one 1 MiB read segment of the destination's
    /// pipe, where they are handled in place; 256-page records straddle segments and are copied to be reassembled
    /// (loopback TCP, 64 MiB: 31 ms with 64-page batches against 33 to 38 ms with 128 and 256, PageStreamBenchmarks).
    /// </summary>
    public const int DefaultMaxPages = 64;

    // Layout of _buffer: a packed record starts at 0 (frame header, packed header, plain entries, block); a
    // plain page batch starts at Shift, so that its entries sit where the packed record's plain entries do.
    private const int Shift = PackedBatch.Overhead;
    private const int EntriesAt = RecordFrame.HeaderLength + PackedBatch.HeaderLength;

    private byte[]? _buffer;
    private byte[]? _packed;
    // Direct mode: with an output pipe and an encoder that does not pack, the record is built in the pipe's own
    // memory (frame header at 0, entries right after the batch header) and committed in place, with no copy.
    private PipeWriter? _output;
    private Memory<byte> _direct;
    private readonly int _maxPages;
    private readonly int _maxPayload;
    // The largest record a batch can make: the frame limit, or fewer pages of the largest entries.
    private readonly int _recordBound;
    private int _plainLength;
    private int _packedLength;
    private int _packedPages;
    private uint _round;
    private ulong _sequence;
    private readonly int[] _pages;
    private readonly int[] _packedPageNumbers;
    // The encoder of the pages being packed: it compresses them, with its own measurements, at Finish.
    private PageEncoder? _encoder;

    public PageBatchBuilder(int maxPages = DefaultMaxPages, int maxPayload = RecordFrame.MaxPayloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPages, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayload, PageBatch.HeaderLength + PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength);
        _maxPages = maxPages;
        _maxPayload = maxPayload;
        _recordBound = RecordFrame.HeaderLength
            + (int)Math.Min(maxPayload, PageBatch.HeaderLength + (long)maxPages * (PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength));
        _buffer = ArrayPool<byte>.Shared.Rent(Shift + _recordBound);
        _pages = new int[maxPages];
        _packedPageNumbers = new int[maxPages];
    }

    public int Count { get; private set; }
    public bool IsEmpty => Count == 0;
    public uint Round => _round;
    public ulong Sequence => _sequence;

    /// <summary>The page numbers in the batch being built, in the order they were added.</summary>
    public ReadOnlySpan<int> Pages => _pages.AsSpan(0, Count);

    /// <summary>The page numbers that went to the packed part (compressed together if <see cref="LastPackedPages"/> is not 0).</summary>
    public ReadOnlySpan<int> PackedPages => _packedPageNumbers.AsSpan(0, _packedPages);

    /// <summary>True when one more page of any encoding fits.</summary>
    public bool HasRoom => Count < _maxPages && _maxPayload - PayloadLength >= PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength;

    /// <summary>The compression method of the last finished batch's packed pages (<see cref="PageEncoding.Raw"/> if it had none or sent them as they were).</summary>
    public PageEncoding LastPackedMethod { get; private set; }

    /// <summary>How many pages the last finished batch carried compressed together (<see cref="PackedPages"/>).</summary>
    public int LastPackedPages { get; private set; }

    /// <summary>The length of the last finished batch's compressed block (0 if it had none).</summary>
    public int LastPackedBytes { get; private set; }

    // Payload of the page batch the record stands for: batch header and both kinds of entries.
    private int PayloadLength => PageBatch.HeaderLength + _plainLength + _packedLength;

    /// <summary>
    /// Starts a new, empty batch. With <paramref name="output"/>, a batch of an encoder that does not pack is
    /// built straight in the pipe's memory, so nothing else may be written to <paramref name="output"/> until
    /// <see cref="PageStreamWriter.WriteBatch"/> has written it.
    /// </summary>
    public void Begin(uint round, ulong sequence, PipeWriter? output = null)
    {
        _output = output;
        _direct = default;
        _round = round;
        _sequence = sequence;
        Count = 0;
        _plainLength = 0;
        _packedLength = 0;
        _packedPages = 0;
    }

    /// <summary>
    /// Encodes <paramref name="page"/> into the batch; returns the encoding chosen and the octets it added.
    /// A page the encoder finds unchanged since it was last sent adds nothing: the destination already holds it.
    /// <paramref name="remember"/> false keeps the page out of the encoder's delta cache (see <see cref="PageEncoder.EncodeForBatch"/>).
    /// </summary>
    public PageEncoding Add(PageEncoder encoder, int pageNumber, ReadOnlySpan<byte> page, out int entryBytes, bool remember = true)
    {
        if (!HasRoom) throw new InvalidOperationException("the batch is full");
        _encoder = encoder;
        if (_direct.IsEmpty)
        {
            if (_output is not null && Count == 0 && !encoder.PacksBatches) _direct = _output.GetMemory(_recordBound);
        }
        else if (encoder.PacksBatches) throw new InvalidOperationException("a batch built in the output pipe takes pages of encoders that do not pack");
        var plain = _direct.IsEmpty
            ? Buffer.AsSpan(EntriesAt + _plainLength)
            : _direct.Span[(RecordFrame.HeaderLength + PageBatch.HeaderLength + _plainLength)..];
        // A packing encoder writes into the packed area first: most pages end there or carry no payload.
        var entry = encoder.PacksBatches ? Packed.AsSpan(_packedLength) : plain;
        var encoding = encoder.EncodeForBatch(pageNumber, page, entry[PageBatch.EntryHeaderLength..], out int written, out bool packable, remember);
        if (encoding == PageEncoding.Unchanged)
        {
            // Memory taken for an empty batch is let go: the caller may write other records before the next page.
            if (Count == 0) _direct = default;
            entryBytes = 0;
            return encoding;
        }
        entryBytes = PageBatch.EntryHeaderLength + written;
        if (packable)
        {
            PageBatch.EmitEntryHeader(entry, pageNumber, encoding, written);
            _packedLength += entryBytes;
            _packedPageNumbers[_packedPages++] = pageNumber;
        }
        else
        {
            if (encoder.PacksBatches) entry.Slice(PageBatch.EntryHeaderLength, written).CopyTo(plain[PageBatch.EntryHeaderLength..]);
            PageBatch.EmitEntryHeader(plain, pageNumber, encoding, written);
            _plainLength += entryBytes;
        }
        _pages[Count++] = pageNumber;
        return encoding;
    }

    /// <summary>
    /// Completes the record (header, count, CRC) and returns its octets, valid until the next <see cref="Begin"/>:
    /// a packed batch when the encoder compressed the packed pages, else a page batch.
    /// </summary>
    public ReadOnlySpan<byte> Finish()
    {
        var buffer = Buffer.AsSpan();
        LastPackedMethod = PageEncoding.Raw;
        LastPackedPages = 0;
        LastPackedBytes = 0;
        if (!_direct.IsEmpty)
        {
            var direct = _direct.Span;
            var entries = direct.Slice(RecordFrame.HeaderLength, PayloadLength);
            PageBatch.EmitHeader(entries, _round, _sequence, Count);
            RecordFrame.Emit(direct, RecordType.PageBatch, entries);
            return direct[..(RecordFrame.HeaderLength + PayloadLength)];
        }
        if (_packedLength > 0)
        {
            var packed = Packed.AsSpan(0, _packedLength);
            // The block must make the record shorter than the page batch it stands for.
            int room = _packedLength - PackedBatch.Overhead - 1;
            var method = PageEncoding.Raw;
            int n = _encoder is null || room < 1 ? 0
                : _encoder.CompressPacked(packed, _packedPages, buffer.Slice(EntriesAt + _plainLength, room), out method);
            if (n > 0)
            {
                LastPackedMethod = method;
                LastPackedPages = _packedPages;
                LastPackedBytes = n;
                int length = PackedBatch.HeaderLength + _plainLength + n;
                var payload = buffer.Slice(RecordFrame.HeaderLength, length);
                PageBatch.EmitHeader(payload, _round, _sequence, Count);
                PackedBatch.EmitHeader(payload, LastPackedMethod, _plainLength, _packedLength);
                RecordFrame.Emit(buffer, RecordType.PackedBatch, payload);
                return buffer[..(RecordFrame.HeaderLength + length)];
            }
            packed.CopyTo(buffer[(EntriesAt + _plainLength)..]);
        }
        var record = buffer[Shift..];
        var batch = record.Slice(RecordFrame.HeaderLength, PayloadLength);
        PageBatch.EmitHeader(batch, _round, _sequence, Count);
        RecordFrame.Emit(record, RecordType.PageBatch, batch);
        return record[..(RecordFrame.HeaderLength + PayloadLength)];
    }

    /// <summary>Finishes the batch and writes it to <paramref name="output"/> (in place when it was built there); returns its octets.</summary>
    internal int WriteTo(PipeWriter output)
    {
        bool inPlace = !_direct.IsEmpty && ReferenceEquals(output, _output);
        var record = Finish();
        int length = record.Length;
        if (inPlace) output.Advance(length);
        else output.Write(record);
        _direct = default;
        return length;
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PageBatchBuilder));

    private byte[] Packed => _packed ??= ArrayPool<byte>.Shared.Rent(_recordBound);

    public void Dispose()
    {
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        if (_packed is { } p) ArrayPool<byte>.Shared.Return(p);
        _buffer = null;
        _packed = null;
    }
}
