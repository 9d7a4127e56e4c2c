namespace NetMobility.Migration.Encoding;

/// <summary>
/// Source side of page compression: chooses, per page, the cheapest way to send it and writes the payload.
/// The order of preference is zero page, then unchanged since last sent, then a small delta against the
/// last-sent version, then a general compressor when <see cref="CompressorChooser"/>'s rule says it pays,
/// then raw. In a batch (<see cref="EncodeForBatch"/>) with <see cref="PageEncoderOptions.PackBatches"/>, the
/// compressible pages are instead left raw and marked, and <see cref="CompressPacked"/> compresses them
/// together once the batch is full. Stateful (it remembers what it sent), so one encoder serves one destination, on one thread.
/// </summary>
public sealed class PageEncoder : IDisposable
{
    public const int PageSize = MemoryImage.PageSize;
    public const int MaxEncodedLength = PageSize + 64;

    private static readonly PageEncoding[] CompressorOrder = [PageEncoding.Lz4, PageEncoding.Zstd, PageEncoding.Deflate];

    private readonly PageEncoderOptions _options;
    private readonly TimeProvider _clock;
    private readonly bool _zero, _unchanged, _delta;
    private readonly int _deltaLimit;
    private readonly DeltaCache? _cache;
    private readonly CompressorChooser _chooser;
    private readonly CompressorChooser? _packChooser;
    private readonly ZstdCompressContext? _zstd;
    private readonly DeflatePageCodec? _deflate;
    // Time recorded as raw for pages marked packable since the last CompressPacked: it moves with them.
    private TimeSpan _packableTime;
    // The guest may write a page while it is being encoded: one consistent copy is encoded and remembered.
    private readonly byte[]? _snapshot;

    /// <exception cref="InvalidOperationException">An allowed compressor's native library is missing.</exception>
    public PageEncoder(PageEncoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.DeltaCachePages);
        ArgumentOutOfRangeException.ThrowIfNegative(options.LinkBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(options.DeltaLimit);
        _options = options;
        // A delta no shorter than the page itself would be worse than raw.
        _deltaLimit = Math.Min(options.DeltaLimit, PageSize - 1);
        _clock = options.TimeProvider;
        _zero = options.Allows(PageEncoding.Zero);
        _unchanged = options.Allows(PageEncoding.Unchanged);
        _delta = options.Allows(PageEncoding.Delta);
        if ((_unchanged || _delta) && options.DeltaCachePages >= 2) _cache = new DeltaCache(options.DeltaCachePages);

        var compressors = new List<PageEncoding>();
        foreach (var c in CompressorOrder)
            if (options.Allows(c)) compressors.Add(c);
        if (compressors.Contains(PageEncoding.Lz4) && !Lz4Native.IsAvailable) throw new InvalidOperationException(Lz4Native.Missing);
        if (compressors.Contains(PageEncoding.Zstd))
        {
            if (!ZstdNative.IsAvailable) throw new InvalidOperationException(ZstdNative.Missing);
            _zstd = new ZstdCompressContext();
        }
        if (compressors.Contains(PageEncoding.Deflate)) _deflate = new DeflatePageCodec(options.DeflateLevel);
        _chooser = new CompressorChooser([.. compressors], options.LinkBytesPerSecond, options.EncoderCores);
        if (options.PackBatches && compressors.Count > 0)
            _packChooser = new CompressorChooser([.. compressors], options.LinkBytesPerSecond, options.EncoderCores,
                CompressorChooser.WarmupBatches, CompressorChooser.BatchProbeInterval);
        if (_cache is not null || _chooser.Count > 0) _snapshot = new byte[PageSize];
    }

    public PageEncoderOptions Options => _options;

    public PageEncoderStats Stats { get; } = new();

    /// <summary>Pages the delta cache holds at most (0 without one).</summary>
    public int DeltaCacheCapacity => _cache?.Capacity ?? 0;

    /// <summary>
    /// Encodes one page. <paramref name="destination"/> must hold at least <see cref="MaxEncodedLength"/> bytes.
    /// Returns the encoding chosen and the bytes written (0 for Zero and Unchanged), and remembers what the
    /// destination will hold. Allocates nothing, except inside Deflate (see <see cref="DeflatePageCodec"/>).
    /// </summary>
    public PageEncoding Encode(int pageNumber, ReadOnlySpan<byte> page, Span<byte> destination, out int written) =>
        Encode(pageNumber, page, destination, destination, pack: false, remember: true, out written, out _);

    /// <summary>
    /// Encodes one page of a batch, as <see cref="Encode"/>, except that with <see cref="PageEncoderOptions.PackBatches"/>
    /// a page worth compressing comes back raw with <paramref name="packable"/> set, for <see cref="CompressPacked"/>: its
    /// payload is written into <paramref name="packedDestination"/>, any other payload into <paramref name="destination"/>
    /// (both at least <see cref="MaxEncodedLength"/> bytes; they may be the same), so that every page is copied once, to
    /// where its entry stays, whichever way the compressibility check decides.
    /// With <paramref name="remember"/> false the page is not kept in the delta cache (and any older copy there is
    /// dropped): for pages unlikely to be sent again, such as most of a first round, which would otherwise cost a
    /// copy and fresh cache memory each (QEMU, likewise, starts its XBZRLE cache only after the first pass).
    /// </summary>
    public PageEncoding EncodeForBatch(int pageNumber, ReadOnlySpan<byte> page, Span<byte> destination, Span<byte> packedDestination,
        out int written, out bool packable, bool remember = true) =>
        Encode(pageNumber, page, destination, packedDestination, _packChooser is not null, remember, out written, out packable);

    /// <summary>Whether <see cref="EncodeForBatch"/> may mark pages for packing.</summary>
    public bool PacksBatches => _packChooser is not null;

    private PageEncoding Encode(int pageNumber, ReadOnlySpan<byte> page, Span<byte> destination, Span<byte> packedDestination, bool pack, bool remember,
        out int written, out bool packable)
    {
        packable = false;
        ArgumentOutOfRangeException.ThrowIfNegative(pageNumber);
        if (page.Length != PageSize) throw new ArgumentException($"a page is {PageSize} bytes, not {page.Length}", nameof(page));
        if (destination.Length < MaxEncodedLength) throw new ArgumentException($"the destination needs {MaxEncodedLength} bytes, it has {destination.Length}", nameof(destination));
        if (pack && packedDestination.Length < MaxEncodedLength)
            throw new ArgumentException($"the packed destination needs {MaxEncodedLength} bytes, it has {packedDestination.Length}", nameof(packedDestination));

        long start = _clock.GetTimestamp();
        PageEncoding chosen;
        if (_zero && ZeroPage.IsZero(page))
        {
            _cache?.Forget(pageNumber);
            chosen = PageEncoding.Zero;
            written = 0;
        }
        else if (_snapshot is null)
        {
            page.CopyTo(destination);
            chosen = PageEncoding.Raw;
            written = PageSize;
        }
        else if (pack && (_cache is null || _cache.Find(pageNumber).IsEmpty))
        {
            // Nothing to compare with and no compressor per page: the sample decides where the entry goes, then one
            // copy, straight into the batch where it stays, which is also the consistent copy to remember. (A guest
            // writing the page meanwhile can only make the guess of its compressibility stale, not the copy wrong.)
            packable = !CompressibilitySample.LooksIncompressible(page);
            var copy = (packable ? packedDestination : destination)[..PageSize];
            page.CopyTo(copy);
            chosen = PageEncoding.Raw;
            written = PageSize;
            if (remember) _cache?.Store(pageNumber, copy);
        }
        else
        {
            page.CopyTo(_snapshot);
            chosen = EncodeSnapshot(pageNumber, _snapshot, destination, packedDestination, pack, out written, out packable);
            if (!remember) _cache?.Forget(pageNumber);
            else if (chosen != PageEncoding.Unchanged) _cache?.Store(pageNumber, _snapshot);
        }
        var elapsed = _clock.GetElapsedTime(start);
        // What the page cost feeds the balance of sending and encoding; packed pages count when their block is made.
        if (packable) _packableTime += elapsed;
        else (pack ? _packChooser! : _chooser).Account(written, elapsed);
        Stats.Record(chosen, written, elapsed);
        return chosen;
    }

    /// <summary>
    /// Compresses the packed entries of a batch (<paramref name="pages"/> pages that <see cref="EncodeForBatch"/>
    /// marked) as one block into <paramref name="destination"/>, when the chooser's rule says it pays. Returns
    /// the block's length, or 0 to send the entries as they are (not worth it, or the block would not fit
    /// <paramref name="destination"/>). Moves the pages from raw to the method in <see cref="Stats"/>.
    /// </summary>
    public int CompressPacked(ReadOnlySpan<byte> entries, int pages, Span<byte> destination, out PageEncoding method)
    {
        method = PageEncoding.Raw;
        var marked = _packableTime;
        _packableTime = TimeSpan.Zero;
        if (_packChooser is null || pages == 0) return 0;
        if (_packChooser.Choose(pages) is not PageEncoding compressor)
        {
            _packChooser.Account(entries.Length, marked, pages);
            return 0;
        }
        long start = _clock.GetTimestamp();
        int n = CompressBlock(compressor, entries, destination);
        var time = _clock.GetElapsedTime(start);
        _packChooser.Record(compressor, n > 0 ? n : entries.Length, pages, time);
        _packChooser.Account(n > 0 ? n : entries.Length, marked + time, pages);
        if (n <= 0) return 0;
        Stats.Move(PageEncoding.Raw, compressor, pages, (long)pages * PageSize, n, marked, time);
        method = compressor;
        return n;
    }

    private int CompressBlock(PageEncoding compressor, ReadOnlySpan<byte> source, Span<byte> destination) => compressor switch
    {
        PageEncoding.Lz4 => Lz4Native.Compress(source, destination),
        PageEncoding.Zstd => ZstdNative.Compress(_zstd!, source, destination, _options.ZstdLevel),
        _ => _deflate!.Compress(source, destination),
    };

    /// <summary>
    /// Forgets what was sent (a new or resumed destination starts from nothing) and clears the statistics. The
    /// compressors' measurements stay: they describe this host's CPU and the memory, not the destination.
    /// </summary>
    public void Reset()
    {
        _cache?.Clear();
        _packableTime = TimeSpan.Zero;
        Stats.Clear();
    }

    public void Dispose()
    {
        _cache?.Dispose();
        _zstd?.Dispose();
    }

    private PageEncoding EncodeSnapshot(int pageNumber, ReadOnlySpan<byte> page, Span<byte> destination, Span<byte> packedDestination, bool pack,
        out int written, out bool packable)
    {
        packable = false;
        if (_cache is not null)
        {
            var previous = _cache.Find(pageNumber);
            if (!previous.IsEmpty)
            {
                if (_unchanged && previous.SequenceEqual(page)) { written = 0; return PageEncoding.Unchanged; }
                if (_delta)
                {
                    int n = XbzrleDelta.Encode(previous, page, destination, _deltaLimit);
                    if (n >= 0) { written = n; return PageEncoding.Delta; }
                }
            }
        }

        if (pack)
        {
            packable = !CompressibilitySample.LooksIncompressible(page);
            if (packable)
            {
                page.CopyTo(packedDestination);
                written = PageSize;
                return PageEncoding.Raw;
            }
        }
        else if (_chooser.Count > 0 && !CompressibilitySample.LooksIncompressible(page) && _chooser.Choose() is PageEncoding compressor)
        {
            long start = _clock.GetTimestamp();
            // One byte short of a page: output that does not beat raw fails fast inside the compressor.
            int n = CompressBlock(compressor, page, destination[..(PageSize - 1)]);
            _chooser.Record(compressor, n > 0 ? n : PageSize, _clock.GetElapsedTime(start));
            if (n > 0) { written = n; return compressor; }
        }

        page.CopyTo(destination);
        written = PageSize;
        return PageEncoding.Raw;
    }
}
