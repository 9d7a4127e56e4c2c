using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// When a batch is full: at <see cref="MaxPages"/> entries, or when one more page of any encoding might not fit the
/// record's payload (<see cref="MaxPayload"/>). The entries count as they are before any block is compressed.
/// </summary>
public readonly record struct BatchLimits(int MaxPages, int MaxPayload)
{
    /// <summary>
    /// Pages per batch at most: a batch is also the unit of acknowledgement and of re-sending after a resume.
    /// 64 pages (a record of about 256 KiB) keeps most records inside one 1 MiB read segment of the destination's
    /// pipe, where they are handled in place; 256-page records straddle segments and are copied to be reassembled
    /// (loopback TCP, 64 MiB: 31 ms with 64-page batches against 33 to 38 ms with 128 and 256, PageStreamBenchmarks).
    /// </summary>
    public const int DefaultMaxPages = 64;

    public static BatchLimits Default { get; } = new(DefaultMaxPages, RecordFrame.MaxPayloadLength);

    /// <summary>The most octets the entries of one batch can take.</summary>
    public int EntriesBound => (int)Math.Min(MaxPayload - PageBatch.HeaderLength, (long)MaxPages * EntryLength);

    /// <summary>True when one more page of any encoding fits a batch of <paramref name="entries"/> entries taking <paramref name="entriesLength"/> octets.</summary>
    public bool HasRoom(int entries, long entriesLength) => entries < MaxPages && MaxPayload - PageBatch.HeaderLength - entriesLength >= EntryLength;

    // The longest entry: header and the longest payload an encoding may give.
    private const int EntryLength = PageBatch.EntryHeaderLength + PageEncoder.MaxEncodedLength;
}
