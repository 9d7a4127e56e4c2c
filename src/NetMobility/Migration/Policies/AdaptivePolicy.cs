namespace NetMobility.Migration.Policies;

/// <summary>
/// The project's own policy. It predicts the stop-and-copy downtime from what is left to send (deferred
/// hot pages included) at the octets per page and bandwidth the last round achieved, and stops as soon as:
/// the prediction meets <see cref="DowntimeTarget"/>; or another round would no longer shorten it by a
/// quarter (the dirty set has stopped shrinking) and it is within <see cref="AcceptableDowntime"/>; or the
/// next round would take the octets on the wire past <see cref="ByteBudgetFactor"/> x memory; or after
/// <see cref="MaxRounds"/>. When the dirty set outruns the link it throttles the workload in one step to
/// the level at which the link sends pages faster than they are dirtied, rather than QEMU's slow staircase.
/// Hot pages are deferred to stop-and-copy (<see cref="DefersHotPages"/>).
/// </summary>
public sealed class AdaptivePolicy : IStopPolicy
{
    public static readonly TimeSpan DefaultDowntimeTarget = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan DefaultAcceptableDowntime = TimeSpan.FromMilliseconds(50);
    public const double DefaultByteBudgetFactor = 2.0;
    public const int DefaultMaxRounds = 8;
    /// <summary>A round must cut the predicted downtime to this fraction of the previous one to count as progress.</summary>
    public const double ProgressRatio = 0.75;
    /// <summary>The share of the link the throttled workload may dirty, so that each round at least halves what is left.</summary>
    public const double DirtyShareOfLink = 0.25;
    public const double MaxThrottle = 0.99;

    private long _memoryPages;
    private int _pageSize;
    private double _previousPrediction;
    private double _throttle;

    public TimeSpan DowntimeTarget { get; init; } = DefaultDowntimeTarget;
    public TimeSpan AcceptableDowntime { get; init; } = DefaultAcceptableDowntime;
    public double ByteBudgetFactor { get; init; } = DefaultByteBudgetFactor;
    public int MaxRounds { get; init; } = DefaultMaxRounds;

    public string Name => "adaptive";
    public bool DefersHotPages => true;

    /// <summary>The most octets a migration under this policy puts on the wire, framing included.</summary>
    public long ByteBudget(long memoryBytes) => (long)(memoryBytes * ByteBudgetFactor);

    public void Begin(long memoryPages, int pageSize)
    {
        _memoryPages = memoryPages;
        _pageSize = pageSize;
        _previousPrediction = double.PositiveInfinity;
        _throttle = 0;
    }

    public StopDecision AfterRound(in RoundStatistics round)
    {
        double bandwidth = round.Bandwidth;
        double remainingWire = round.DirtyPages * round.WireBytesPerPage;
        double predicted = bandwidth > 0 ? remainingWire / bandwidth + round.Latency.TotalSeconds : double.PositiveInfinity;
        double previous = _previousPrediction;
        _previousPrediction = predicted;

        if (predicted <= DowntimeTarget.TotalSeconds) return StopDecision.StopNow(_throttle, "predicted downtime meets the target");
        // Another round sends about what is dirty now, and stop-and-copy at least as much again.
        if (round.TotalWireBytes + 2 * remainingWire > ByteBudget(_memoryPages * _pageSize))
            return StopDecision.StopNow(_throttle, "another round would pass the byte budget");
        if (round.Round >= MaxRounds) return StopDecision.StopNow(_throttle, $"{MaxRounds} rounds");

        bool progress = predicted < previous * ProgressRatio;
        if (!progress && predicted <= AcceptableDowntime.TotalSeconds)
            return StopDecision.StopNow(_throttle, "downtime stopped improving");

        double dirtyWireRate = round.DirtyRate * round.WireBytesPerPage;
        if (bandwidth > 0 && dirtyWireRate > bandwidth * DirtyShareOfLink)
        {
            // The workload runs at (1 - throttle) of its speed, so this level brings its dirty rate
            // down to the allowed share of the link.
            double needed = 1 - bandwidth * DirtyShareOfLink * (1 - _throttle) / dirtyWireRate;
            _throttle = Math.Clamp(Math.Max(_throttle, needed), 0, MaxThrottle);
        }
        if (!progress && _throttle >= MaxThrottle) return StopDecision.StopNow(_throttle, "downtime stopped improving at full throttle");
        return StopDecision.Continue(_throttle);
    }
}
