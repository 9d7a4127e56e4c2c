using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// How the pages of a round become batches on the wire, in one place for the engine's source channels and the
/// bench's simulator, so that a change here changes both:
/// each of <see cref="Channels"/> channels takes the pages of its lane (page mod channels) in page order; a page
/// found unchanged takes no entry; a batch closes when it holds <see cref="BatchLimits.MaxPages"/> entries or when
/// one more page of any encoding might not fit its record (<see cref="BatchLimits.HasRoom"/>); it goes out as a page
/// batch record, or as a packed one when some of its pages travel in a compressed block (<see cref="RecordLength"/>);
/// each channel ends the round with an end-of-round record; a channel sends at most <see cref="WindowBatches"/> batches
/// before the destination acknowledges them, and its encoder runs at most <see cref="PipelineBatches"/> batches ahead
/// of the link. A pre-copy round ends when the destination has acknowledged all of it.
/// </summary>
public sealed record BatchPlan
{
    /// <summary>Batches a channel may have sent and not yet had acknowledged (the engine's default window).</summary>
    public const int DefaultWindowBatches = 64;

    /// <summary>
    /// The octets a transport holds between the source's writes and the link before a write waits: the in-memory
    /// link's pipe pauses its writer 4 MiB ahead of the reader, about what a TCP socket's buffers take.
    /// </summary>
    public const int TransportBufferBytes = 4 << 20;

    /// <summary>Parallel channels, one lane of pages each.</summary>
    public int Channels { get; init; } = 2;

    public BatchLimits Limits { get; init; } = BatchLimits.Default;

    /// <summary>Batches a channel may have sent and not yet had acknowledged.</summary>
    public int WindowBatches { get; init; } = DefaultWindowBatches;

    /// <summary>The channel that sends <paramref name="page"/>.</summary>
    public int Lane(int page) => page % Channels;

    /// <summary>The first page at or after <paramref name="from"/> in <paramref name="set"/> in <paramref name="lane"/>, or -1.</summary>
    public int NextPage(ReadOnlySpan<ulong> set, int from, int lane) => NextPage(set, from, lane, Channels);

    /// <summary>Octets an entry of a page with <paramref name="payload"/> octets of payload takes in a batch.</summary>
    public static int EntryLength(int payload) => PageBatch.EntryHeaderLength + payload;

    /// <summary>Octets on the wire of a batch record with <paramref name="entriesLength"/> octets of entries (compressed block included).</summary>
    public static int RecordLength(int entriesLength, bool packed) =>
        RecordFrame.HeaderLength + (packed ? PackedBatch.HeaderLength : PageBatch.HeaderLength) + entriesLength;

    /// <summary>Octets of the end-of-round records that close a round, one per channel.</summary>
    public int EndOfRoundBytes => Channels * (RecordFrame.HeaderLength + EndOfRound.Length);

    /// <summary>
    /// Batches an encoder may be ahead of the link: the transport's buffer over the record of a batch of raw pages (16
    /// with 64 pages a batch), or the acknowledgement window when that is smaller.
    /// </summary>
    public int PipelineBatches =>
        Math.Min(WindowBatches, Math.Max(1, (int)Math.Ceiling(TransportBufferBytes / (double)RecordLength(Limits.MaxPages * EntryLength(MemoryImage.PageSize), packed: false))));

    /// <summary>
    /// The first page at or after <paramref name="from"/> in <paramref name="set"/> with page mod
    /// <paramref name="stride"/> == <paramref name="lane"/> (the pages of one channel), or -1.
    /// </summary>
    public static int NextPage(ReadOnlySpan<ulong> set, int from, int lane, int stride)
    {
        for (int page = from; page < set.Length * 64; )
        {
            int word = page >> 6;
            ulong bits = set[word] >> (page & 63);
            if (bits == 0)
            {
                page = (word + 1) << 6;
                page += ((lane - page) % stride + stride) % stride;
                continue;
            }
            page += System.Numerics.BitOperations.TrailingZeroCount(bits);
            int offset = ((lane - page) % stride + stride) % stride;
            if (offset == 0) return page;
            page += offset;
        }
        return -1;
    }
}
