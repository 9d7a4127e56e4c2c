using System.Buffers;
using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// Turns pages into one <see cref="EncodedBatch"/> at a time: each page is encoded by the <see cref="PageEncoder"/>
/// straight into its entry; with an encoder that packs, the pages it marks compressible gather apart and
/// <see cref="Finish"/> compresses them as one block when that pays (docs/page-stream.md sec 3.7). The result
/// carries the entries, the final count of pages per encoding and the CPU time: nothing is corrected after it.
/// The entries go into memory the caller gives (<see cref="Begin"/>; for an encoder that does not pack, so that a
/// writer can frame them in place) or into a buffer rented once. No allocation per page or per batch. Not
/// thread-safe; the caller disposes it, which returns the buffers (the encoder stays the caller's).
/// </summary>
public sealed class PageBatchEncoder : IDisposable
{
    private const int Slots = (int)PageEncoding.Deflate + 1;

    private readonly BatchLimits _limits;
    private byte[]? _own;
    private byte[]? _packed;
    private Memory<byte> _target;
    private int _plainLength;
    private int _packedLength;
    private int _packedCount;
    private readonly int[] _pages;
    private readonly int[] _packedPageNumbers;
    private readonly long[] _counts = new long[Slots];
    private TimeSpan _cpuAtBegin;

    public PageBatchEncoder(PageEncoder encoder, int maxPages = BatchLimits.DefaultMaxPages, int maxPayload = RecordFrame.MaxPayloadLength)
        : this(encoder, new BatchLimits(maxPages, maxPayload))
    {
    }

    /// <summary>A batch encoder that closes its batches at <paramref name="limits"/> (the <see cref="BatchPlan"/>'s).</summary>
    public PageBatchEncoder(PageEncoder encoder, BatchLimits limits)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxPages, 1, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limits.MaxPages, ushort.MaxValue, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxPayload, PageBatch.HeaderLength + PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength, nameof(limits));
        Encoder = encoder;
        _limits = limits;
        EntriesBound = limits.EntriesBound;
        _pages = new int[limits.MaxPages];
        _packedPageNumbers = new int[limits.MaxPages];
    }

    public PageEncoder Encoder { get; }

    /// <summary>The most octets the entries of one batch can take: the memory <see cref="Begin"/> needs.</summary>
    public int EntriesBound { get; }

    /// <summary>Whether this batch encoder compresses pages together (then it builds in its own buffer).</summary>
    public bool PacksBatches => Encoder.PacksBatches;

    /// <summary>Pages with an entry in the batch being built.</summary>
    public int Count { get; private set; }
    public bool IsEmpty => Count == 0;

    /// <summary>The page numbers in the batch being built, in the order they were added.</summary>
    public ReadOnlySpan<int> Pages => _pages.AsSpan(0, Count);

    /// <summary>True when one more page of any encoding fits.</summary>
    public bool HasRoom => _limits.HasRoom(Count, _plainLength + _packedLength);

    /// <summary>
    /// Starts a new, empty batch. An encoder that does not pack writes the entries into <paramref name="target"/>
    /// (at least <see cref="EntriesBound"/> octets) when it is given; otherwise, and always when it packs, into its own buffer.
    /// </summary>
    public void Begin(Memory<byte> target = default)
    {
        if (!target.IsEmpty && target.Length < EntriesBound) throw new ArgumentException($"the batch needs {EntriesBound} octets, it was given {target.Length}", nameof(target));
        _target = target.IsEmpty || PacksBatches ? Own : target;
        Count = 0;
        _plainLength = 0;
        _packedLength = 0;
        _packedCount = 0;
        Array.Clear(_counts);
        _cpuAtBegin = Encoder.Stats.TotalCpuTime;
    }

    /// <summary>
    /// Encodes <paramref name="page"/> into the batch and returns the encoding chosen (a page to be packed says raw
    /// until <see cref="Finish"/>). A page the encoder finds unchanged since it was last sent gets no entry: the
    /// destination already holds it. <paramref name="remember"/> false keeps the page out of the encoder's delta cache
    /// (see <see cref="PageEncoder.EncodeForBatch"/>).
    /// </summary>
    public PageEncoding Add(int pageNumber, ReadOnlySpan<byte> page, bool remember = true)
    {
        if (!HasRoom) throw new InvalidOperationException("the batch is full");
        if (_target.IsEmpty) throw new InvalidOperationException("Begin was not called");
        var plain = _target.Span[_plainLength..];
        // The encoder writes each payload once, where its entry stays: a page to pack into the packed area, any other into the plain entries.
        var packed = PacksBatches ? Packed.AsSpan(_packedLength) : plain;
        var encoding = Encoder.EncodeForBatch(pageNumber, page, plain[PageBatch.EntryHeaderLength..], packed[PageBatch.EntryHeaderLength..],
            out int written, out bool packable, remember);
        _counts[(int)encoding]++;
        if (encoding == PageEncoding.Unchanged) return encoding;
        int entryBytes = PageBatch.EntryHeaderLength + written;
        if (packable)
        {
            PageBatch.EmitEntryHeader(packed, pageNumber, encoding, written);
            _packedLength += entryBytes;
            _packedPageNumbers[_packedCount++] = pageNumber;
        }
        else
        {
            PageBatch.EmitEntryHeader(plain, pageNumber, encoding, written);
            _plainLength += entryBytes;
        }
        _pages[Count++] = pageNumber;
        return encoding;
    }

    /// <summary>
    /// Completes the batch: the packed pages compressed as one block when that pays and the block makes the record
    /// shorter, else appended as they are. Valid until the next <see cref="Begin"/>. An empty batch (every page
    /// unchanged) still carries its counts and CPU time.
    /// </summary>
    public EncodedBatch Finish()
    {
        var target = _target.Span;
        var method = PageEncoding.Raw;
        int length = _plainLength;
        int packedLength = 0;
        if (_packedLength > 0)
        {
            var packed = Packed.AsSpan(0, _packedLength);
            // The block must make the record shorter than the page batch it stands for.
            int room = _packedLength - PackedBatch.Overhead - 1;
            int n = room < 1 ? 0 : Encoder.CompressPacked(packed, _packedCount, target.Slice(_plainLength, room), out method);
            if (n > 0)
            {
                _counts[(int)PageEncoding.Raw] -= _packedCount;
                _counts[(int)method] += _packedCount;
                length += n;
                packedLength = _packedLength;
            }
            else
            {
                method = PageEncoding.Raw;
                packed.CopyTo(target[_plainLength..]);
                length += _packedLength;
            }
        }
        return new EncodedBatch(target[..length], _plainLength, packedLength, method, Pages,
            method == PageEncoding.Raw ? default : _packedPageNumbers.AsSpan(0, _packedCount), _counts, Encoder.Stats.TotalCpuTime - _cpuAtBegin);
    }

    private byte[] Own => _own ??= ArrayPool<byte>.Shared.Rent(EntriesBound);

    private byte[] Packed => _packed ??= ArrayPool<byte>.Shared.Rent(EntriesBound);

    public void Dispose()
    {
        if (_own is { } o) ArrayPool<byte>.Shared.Return(o);
        if (_packed is { } p) ArrayPool<byte>.Shared.Return(p);
        _own = null;
        _packed = null;
        _target = default;
    }
}
