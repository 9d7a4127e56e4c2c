namespace NetMobility.Migration;

/// <summary>
/// Picks the general-purpose compressor for a page (or for the packed pages of a batch), and whether to
/// compress at all, from running measurements.
///
/// The rule: encoding overlaps with sending (the next batch is encoded while the pipe and the socket's
/// buffer carry the last one), so a page costs whichever of its two stages is slower: its transfer time,
/// compressed, or the CPU time spent compressing it, divided by the cores encoding in parallel.
/// Compressing pays when that is less than the transfer time of the raw page:
///     max(ratio_c * PageSize / bandwidth, cpu_c / cores)  &lt;  PageSize / bandwidth
/// where ratio_c and cpu_c are exponentially weighted running averages of compressor c's output share and
/// time per page, measured on the pages it actually compressed. Of the compressors, the one with the least
/// left-hand side is used. Without a known bandwidth, CPU is taken as free and the best ratio wins.
/// A few measurements are first spent on each compressor, and every probe-interval-th candidate measures
/// another one, so the averages follow the content as it changes.
/// </summary>
internal sealed class CompressorChooser
{
    public const int WarmupPages = 8;
    public const int ProbeInterval = 64;
    /// <summary>For packed batches, where one measurement covers a whole batch's compressible pages.</summary>
    public const int WarmupBatches = 2;
    public const int BatchProbeInterval = 64;
    // Weight of the newest page in the running averages: about the last 32 pages count.
    private const double Alpha = 1.0 / 32;
    private const double OutlierFactor = 4;

    private readonly PageEncoding[] _compressors;
    private readonly double[] _ratio;
    private readonly double[] _seconds;
    private readonly long[] _measured;
    private readonly double _rawSeconds;
    private readonly double _bandwidth;
    private readonly int _cores;
    private readonly int _warmup;
    private readonly int _probeInterval;
    private long _candidates;
    private int _nextProbe;

    public CompressorChooser(PageEncoding[] compressors, long linkBytesPerSecond, int cores, int warmup = WarmupPages, int probeInterval = ProbeInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warmup, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(probeInterval, 2);
        _warmup = warmup;
        _probeInterval = probeInterval;
        _compressors = compressors;
        _ratio = new double[compressors.Length];
        _seconds = new double[compressors.Length];
        _measured = new long[compressors.Length];
        _bandwidth = linkBytesPerSecond;
        _rawSeconds = linkBytesPerSecond > 0 ? MemoryImage.PageSize / (double)linkBytesPerSecond : 0;
        _cores = Math.Max(1, cores);
    }

    public int Count => _compressors.Length;

    /// <summary>
    /// The compressor to run on the next compressible page, or null to send it raw. A measuring (warm-up or
    /// probe) page always gets a compressor, whatever the rule says, so that the measurements stay current.
    /// </summary>
    public PageEncoding? Choose()
    {
        if (_compressors.Length == 0) return null;
        _candidates++;
        for (int i = 0; i < _compressors.Length; i++)
            if (_measured[i] < _warmup) return _compressors[i];

        int best = Best();
        if (_compressors.Length > 1 && _candidates % _probeInterval == 0)
        {
            _nextProbe = (_nextProbe + 1) % _compressors.Length;
            if (_nextProbe == best) _nextProbe = (_nextProbe + 1) % _compressors.Length;
            return _compressors[_nextProbe];
        }
        if (_bandwidth > 0 && Cost(best) >= _rawSeconds)
            return _candidates % _probeInterval == _probeInterval / 2 ? _compressors[best] : null;
        return _compressors[best];
    }

    /// <summary>Adds one measured page: its compressed size (a failed attempt counts as a full page) and the time it took.</summary>
    public void Record(PageEncoding compressor, int compressedBytes, TimeSpan time) => Record(compressor, compressedBytes, 1, time);

    /// <summary>Adds one measurement of <paramref name="pages"/> pages compressed together (a failed attempt counts as the pages' full size).</summary>
    public void Record(PageEncoding compressor, int compressedBytes, int pages, TimeSpan time)
    {
        int i = Array.IndexOf(_compressors, compressor);
        double input = (double)pages * MemoryImage.PageSize;
        double ratio = Math.Min(compressedBytes, input) / input;
        double seconds = time.TotalSeconds / pages;
        if (_measured[i] == 0)
        {
            _ratio[i] = ratio;
            _seconds[i] = seconds;
        }
        else if (_measured[i] < _warmup)
        {
            // The first calls pay one-time costs (library loading, cold caches): the fastest warm-up page counts.
            _ratio[i] += (ratio - _ratio[i]) / (_measured[i] + 1);
            _seconds[i] = Math.Min(_seconds[i], seconds);
        }
        else
        {
            // A page that took far longer than usual was most likely preempted: it moves the average only so far.
            _ratio[i] += Alpha * (ratio - _ratio[i]);
            _seconds[i] += Alpha * (Math.Min(seconds, OutlierFactor * _seconds[i]) - _seconds[i]);
        }
        _measured[i]++;
    }

    public double AverageRatio(PageEncoding compressor) => _ratio[Array.IndexOf(_compressors, compressor)];

    public TimeSpan AverageTime(PageEncoding compressor) => TimeSpan.FromSeconds(_seconds[Array.IndexOf(_compressors, compressor)]);

    // Expected seconds per page with compressor i, the slower of sending and compressing; ratio alone when the link speed is unknown.
    private double Cost(int i) => _bandwidth > 0
        ? Math.Max(_ratio[i] * _rawSeconds, _seconds[i] / _cores)
        : _ratio[i];

    private int Best()
    {
        int best = 0;
        for (int i = 1; i < _compressors.Length; i++)
            if (Cost(i) < Cost(best)) best = i;
        return best;
    }
}
