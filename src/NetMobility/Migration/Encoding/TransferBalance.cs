namespace NetMobility.Migration.Encoding;

/// <summary>
/// The two stages a migration stream goes through, sending and encoding, as running totals of the seconds
/// each spent on recent pages: the link's time for the octets put on it, and the CPU time spent encoding
/// them spread over the cores encoding in parallel. The stages overlap (the next batch is encoded while the
/// link carries the last one), so the stream moves at the pace of the busier one. Choosing, for the next
/// pages, the option that least raises the busier total keeps the two balanced: on a slow link the
/// compressor of best ratio, on a fast one as much compression as the cores keep up with, the rest raw.
/// Older pages fade out (exponential decay over about <see cref="Window"/> pages).
/// </summary>
internal struct TransferBalance(int cores)
{
    /// <summary>Pages over which the totals average (the weight of a page falls to 1/e after this many).</summary>
    public const int Window = 4096;
    private const double Keep = 1 - 1.0 / Window;

    private readonly double _cores = Math.Max(1, cores);

    /// <summary>Link seconds of the recent pages.</summary>
    public double Wire { get; private set; }

    /// <summary>CPU seconds of the recent pages, not yet divided by the cores.</summary>
    public double Cpu { get; private set; }

    /// <summary>Adds what <paramref name="pages"/> pages cost on the link and in CPU time.</summary>
    public void Add(double wireSeconds, double cpuSeconds, int pages = 1)
    {
        double keep = pages == 1 ? Keep : Math.Pow(Keep, pages);
        Wire = Wire * keep + wireSeconds;
        Cpu = Cpu * keep + cpuSeconds;
    }

    /// <summary>How busy the busier stage would be with pages costing this much added.</summary>
    public readonly double With(double wireSeconds, double cpuSeconds) => Math.Max(Wire + wireSeconds, (Cpu + cpuSeconds) / _cores);
}
