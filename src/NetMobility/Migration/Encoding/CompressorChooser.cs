namespace NetMobility.Migration.Encoding;

/// <summary>
/// Picks the general-purpose compressor for a page (or for the packed pages of a batch), and whether to
/// compress at all, from running measurements.
///
/// The rule: sending and encoding overlap, so the stream goes at the pace of the busier of the two
/// (<see cref="TransferBalance"/>, fed with every page the encoder handles, compressible or not). For the
/// next candidate pages, each compressor c would add ratio_c * PageSize / bandwidth of link time and cpu_c
/// of CPU time per page, and raw would add PageSize / bandwidth of link time; the option that leaves the
/// busier stage least busy wins. ratio_c and cpu_c are exponentially weighted running averages of compressor
/// c's output share and time per page, measured on the pages it actually compressed. Without a known
/// bandwidth, CPU is taken as free and the best ratio wins. A few measurements are first spent on each
/// compressor, cheapest first, up to the first one whose CPU time per core exceeds the link time it saves
/// (a slower one cannot pay then); every probe-interval-th candidate measures another one (or, when raw
/// wins, the best), so the averages follow the content as it changes.
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
    private TransferBalance _balance;

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
        _balance = new TransferBalance(_cores);
    }

    public int Count => _compressors.Length;

    /// <summary>
    /// The compressor to run on the next <paramref name="pages"/> compressible pages, or null to send them raw.
    /// A measuring (warm-up or probe) call always gets a compressor, whatever the rule says, so that the
    /// measurements stay current.
    /// </summary>
    public PageEncoding? Choose(int pages = 1)
    {
        if (_compressors.Length == 0) return null;
        _candidates++;
        for (int i = 0; i < _compressors.Length; i++)
        {
            if (_measured[i] >= _warmup) continue;
            // Compressors come cheapest first: when the one before already costs more CPU per core than it saves
            // link time, a slower one cannot pay, and measuring it would only spend CPU (probes measure it later).
            if (i > 0 && _measured[i - 1] >= _warmup && CpuBound(i - 1)) break;
            return _compressors[i];
        }

        int best = Best(pages, out bool raw);
        if (_compressors.Length > 1 && _candidates % _probeInterval == 0)
        {
            _nextProbe = (_nextProbe + 1) % _compressors.Length;
            if (_nextProbe == best) _nextProbe = (_nextProbe + 1) % _compressors.Length;
            return _compressors[_nextProbe];
        }
        if (raw) return _candidates % _probeInterval == _probeInterval / 2 ? _compressors[best] : null;
        return _compressors[best];
    }

    /// <summary>Counts what pages actually cost, on the link and in CPU time: every page the encoder handles, compressed or not.</summary>
    public void Account(long wireBytes, TimeSpan cpu, int pages = 1)
    {
        if (_bandwidth > 0) _balance.Add(wireBytes / _bandwidth, cpu.TotalSeconds, pages);
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

    // Compressor i costs more CPU time per core than the link time it saves on a page.
    private bool CpuBound(int i) => _bandwidth > 0 && _seconds[i] / _cores > (1 - _ratio[i]) * _rawSeconds;

    // The compressor that leaves the busier stage least busy after n more pages (the best ratio when the link
    // speed is unknown); raw is set when sending the pages as they are would do better still.
    private int Best(int n, out bool raw)
    {
        int best = 0;
        double bestCost = double.PositiveInfinity;
        for (int i = 0; i < _compressors.Length; i++)
        {
            if (_measured[i] == 0) continue;
            double cost = _bandwidth > 0 ? _balance.With(n * _ratio[i] * _rawSeconds, n * _seconds[i]) : _ratio[i];
            if (cost < bestCost) (best, bestCost) = (i, cost);
        }
        raw = _bandwidth > 0 && _balance.With(n * _rawSeconds, 0) <= bestCost;
        return best;
    }
}
