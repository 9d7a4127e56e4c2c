namespace NetMobility.Migration.Encoding;

/// <summary>What a <see cref="PageEncoder"/> may do. Raw is always allowed: it is the fallback for every page.</summary>
public sealed record PageEncoderOptions
{
    /// <summary>Encodings the encoder may choose from (Raw is implied).</summary>
    public IReadOnlyCollection<PageEncoding> AllowedEncodings { get; init; } =
        [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta, PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate];

    /// <summary>Pages the delta cache keeps (last-sent versions for Unchanged and Delta). 16384 pages = 64 MiB, QEMU's XBZRLE default.</summary>
    public int DeltaCachePages { get; init; } = 16384;

    /// <summary>
    /// Link bandwidth in bytes per second, for deciding whether compressing a page pays. 0 means unknown:
    /// every page the sample check finds compressible is compressed with the compressor of best ratio.
    /// </summary>
    public long LinkBytesPerSecond { get; init; } = 125_000_000;

    /// <summary>zstd compression level (negative levels are faster, 1 is zstd's fast default).</summary>
    public int ZstdLevel { get; init; } = 1;

    /// <summary>zlib level for Deflate, 0 to 9 (6 is zlib's default).</summary>
    public int DeflateLevel { get; init; } = 6;

    /// <summary>A delta longer than this is abandoned and the page goes to the compressors (QEMU gives up past a page's worth).</summary>
    public int DeltaLimit { get; init; } = MemoryImage.PageSize / 2;

    /// <summary>Cores encoding in parallel: compression CPU time is amortised over them.</summary>
    public int EncoderCores { get; init; } = 1;

    /// <summary>
    /// In a batch, compressible pages are compressed together as one block (a packed batch, docs/page-stream.md
    /// sec 3.7) instead of one by one: the compressor finds repeats across pages and is set up once per batch.
    /// Applies to <see cref="PageEncoder.EncodeForBatch"/>; <see cref="PageEncoder.Encode"/> always works per page.
    /// </summary>
    public bool PackBatches { get; init; } = true;

    /// <summary>Clock for the compressors' running CPU-time statistics.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Raw and Zero only: what a migration without compression sends.</summary>
    public static PageEncoderOptions Uncompressed { get; } = new() { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero] };

    public bool Allows(PageEncoding encoding) => encoding == PageEncoding.Raw || AllowedEncodings.Contains(encoding);
}
