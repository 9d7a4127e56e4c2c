namespace NetMobility.Migration;

/// <summary>
/// Picks the general-purpose compressor for a page, and whether to compress at all, from running measurements.
///
/// The rule: compressing a page pays when the transfer time of the compressed page plus the CPU time spent
/// compressing it (divided by the cores encoding in parallel) is less than the transfer time of the raw page:
///     ratio_c * PageSize / bandwidth + cpu_c / cores  &lt;  PageSize / bandwidth
/// where ratio_c and cpu_c are exponentially weighted running averages of compressor c's output share and
/// time per page, measured on the pages it actually compressed. Of the compressors, the one with the least
/// left-hand side is used. Without a known bandwidth, CPU is taken as free and the best ratio wins.
/// A few pages are first spent measuring each compressor, and every <see cref="ProbeInterval"/>-th
/// candidate page measures another one, so the averages follow the content as it changes.
/// </summary>
internal sealed class CompressorChooser
{
    public const int WarmupPages = 8;
    public const int ProbeInterval = 64;
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
    private long _candidates;
    private int _nextProbe;

    public CompressorChooser(PageEncoding[] compressors, long linkBytesPerSecond, int cores)
    {
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
            if (_measured[i] < WarmupPages) return _compressors[i];

        int best = Best();
        if (_compressors.Length > 1 && _candidates % ProbeInterval == 0)
        {
            _nextProbe = (_nextProbe + 1) % _compressors.Length;
            if (_nextProbe == best) _nextProbe = (_nextProbe + 1) % _compressors.Length;
            return _compressors[_nextProbe];
        }
        if (_bandwidth > 0 && Cost(best) >= _rawSeconds)
            return _candidates % ProbeInterval == ProbeInterval / 2 ? _compressors[best] : null;
        return _compressors[best];
    }

    /// <summary>Adds one measured page: its compressed size (a failed attempt counts as a full page) and the time it took.</summary>
    public void Record(PageEncoding compressor, int compressedBytes, TimeSpan time)
    {
        int i = Array.IndexOf(_compressors, compressor);
        double ratio = Math.Min(compressedBytes, MemoryImage.PageSize) / (double)MemoryImage.PageSize;
        double seconds = time.TotalSeconds;
        if (_measured[i] == 0)
        {
            _ratio[i] = ratio;
            _seconds[i] = seconds;
        }
        else if (_measured[i] < WarmupPages)
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

    public void Clear()
    {
        Array.Clear(_ratio);
        Array.Clear(_seconds);
        Array.Clear(_measured);
        _candidates = 0;
        _nextProbe = 0;
    }

    // Expected seconds to get one page across with compressor i; ratio alone when the link speed is unknown.
    private double Cost(int i) => _bandwidth > 0
        ? _ratio[i] * _rawSeconds + _seconds[i] / _cores
        : _ratio[i];

    private int Best()
    {
        int best = 0;
        for (int i = 1; i < _compressors.Length; i++)
            if (Cost(i) < Cost(best)) best = i;
        return best;
    }
}
