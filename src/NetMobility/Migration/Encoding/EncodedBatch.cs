using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// What <see cref="PageBatchEncoder.Finish"/> made of a batch of pages: the entries as the page stream carries them
/// (plain entries, then either the packed entries as they are or the one compressed block that stands for them),
/// the page numbers, how many pages went each way and the CPU time the batch took. Everything here is final:
/// pages compressed together are already counted under their compressor. A view over the batch encoder's buffers
/// (or the memory it was given), valid until its next <see cref="PageBatchEncoder.Begin"/>.
/// </summary>
public readonly ref struct EncodedBatch
{
    internal EncodedBatch(ReadOnlySpan<byte> entries, int plainLength, int packedLength, PageEncoding packedMethod,
        ReadOnlySpan<int> pages, ReadOnlySpan<int> packedPages, ReadOnlySpan<long> counts, TimeSpan cpuTime)
    {
        Entries = entries;
        PlainLength = plainLength;
        PackedLength = packedLength;
        PackedMethod = packedMethod;
        Pages = pages;
        PackedPages = packedPages;
        Counts = counts;
        CpuTime = cpuTime;
    }

    /// <summary>Plain entries, then the packed entries (not packed) or the compressed block (packed).</summary>
    public ReadOnlySpan<byte> Entries { get; }

    /// <summary>Octets of the plain entries at the start of <see cref="Entries"/>.</summary>
    public int PlainLength { get; }

    /// <summary>Octets the packed entries take inflated (packed batches only; 0 otherwise).</summary>
    public int PackedLength { get; }

    /// <summary>The compressor of the block, or <see cref="PageEncoding.Raw"/> when the batch is a plain page batch.</summary>
    public PageEncoding PackedMethod { get; }

    public bool IsPacked => PackedMethod != PageEncoding.Raw;

    /// <summary>The compressed block's octets (packed batches only).</summary>
    public int BlockLength => IsPacked ? Entries.Length - PlainLength : 0;

    /// <summary>The pages that have an entry, in the order they were added (unchanged pages have none).</summary>
    public ReadOnlySpan<int> Pages { get; }

    public int Count => Pages.Length;
    public bool IsEmpty => Pages.IsEmpty;

    /// <summary>The pages of <see cref="Pages"/> that travel in the compressed block (none unless packed).</summary>
    public ReadOnlySpan<int> PackedPages { get; }

    /// <summary>Pages added per encoding (indexed by <see cref="PageEncoding"/>), unchanged pages included.</summary>
    public ReadOnlySpan<long> Counts { get; }

    /// <summary>CPU time the encoder spent on the batch, compression of the block included.</summary>
    public TimeSpan CpuTime { get; }

    /// <summary>The length of the page batch payload this batch makes: batch header and entries (and the packed header when packed).</summary>
    public int PayloadLength => (IsPacked ? PackedBatch.HeaderLength : PageBatch.HeaderLength) + Entries.Length;
}
