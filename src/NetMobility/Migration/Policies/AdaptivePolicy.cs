namespace NetMobility.Migration.Policies;

/// <summary>
/// The project's own policy. After each round it predicts the stop-and-copy transfer time: what is left to
/// send (deferred hot pages included) at the octets per page and the bandwidth the round achieved. It stops
/// as soon as that meets <see cref="DowntimeTarget"/> and, when the link's latency is known, a quarter of the
/// switchover's round trip; or when another round would no longer cut it by a
/// quarter and it is within <see cref="AcceptableDowntime"/>; or when the next round would take the octets
/// on the wire past <see cref="ByteBudgetFactor"/> x memory; or after <see cref="MaxRounds"/>. When the
/// workload dirties faster than the link can carry (more than <see cref="ConvergeShare"/> of it), or the
/// dirty set stops shrinking, it throttles the workload in one step to the level at which the next round
/// leaves at most a <see cref="DirtyShare"/> of what it sends, rather than QEMU's slow staircase.
/// It relies on the adaptive encoder for the rest: hot pages sent again mostly go as small XBZRLE deltas,
/// so sending them in every round costs little and keeps them out of the downtime.
/// </summary>
public sealed class AdaptivePolicy : IStopPolicy
{
    public static readonly TimeSpan DefaultDowntimeTarget = TimeSpan.FromMilliseconds(0.25);
    public static readonly TimeSpan DefaultAcceptableDowntime = TimeSpan.FromMilliseconds(20);
    public const double DefaultByteBudgetFactor = 2.0;
    public const int DefaultMaxRounds = 10;
    /// <summary>A round must cut the predicted transfer time to this fraction of the previous one to count as progress.</summary>
    public const double ProgressRatio = 0.75;
    /// <summary>The share of the link a workload may dirty before it is throttled: beyond it pre-copy converges too slowly.</summary>
    public const double ConvergeShare = 0.5;
    /// <summary>What a throttled round may leave dirty, as a share of what it sends.</summary>
    public const double DirtyShare = 0.25;
    public const double MaxThrottle = 0.99;

    private long _memoryPages;
    private int _pageSize;
    private double _previous;
    private double _throttle;
    private double _bandwidth;

    /// <summary>Stop-and-copy transfer time (latency aside) at which to stop at once.</summary>
    public TimeSpan DowntimeTarget { get; init; } = DefaultDowntimeTarget;
    public TimeSpan AcceptableDowntime { get; init; } = DefaultAcceptableDowntime;
    public double ByteBudgetFactor { get; init; } = DefaultByteBudgetFactor;
    public int MaxRounds { get; init; } = DefaultMaxRounds;

    public string Name => "adaptive";

    /// <summary>The most octets a migration under this policy puts on the wire, framing included.</summary>
    public long ByteBudget(long memoryBytes) => (long)(memoryBytes * ByteBudgetFactor);

    public void Begin(long memoryPages, int pageSize)
    {
        _memoryPages = memoryPages;
        _pageSize = pageSize;
        _previous = double.PositiveInfinity;
        _throttle = 0;
        _bandwidth = 0;
    }

    // The switchover's round trip is downtime no stop rule avoids: on a fast link, where another round costs
    // little, the transfer is cut until it is a small part of that round trip (a quarter), not just under the target.
    private double Target(in RoundStatistics round) =>
        round.Latency > TimeSpan.Zero ? Math.Min(DowntimeTarget.TotalSeconds, round.Latency.TotalSeconds / 2) : DowntimeTarget.TotalSeconds;

    public StopDecision AfterRound(in RoundStatistics round)
    {
        // A round that sent (almost) nothing measures no bandwidth: keep the last one.
        if (round.WireBytes >= 64 * 1024 || _bandwidth == 0) _bandwidth = round.Bandwidth;
        double bandwidth = _bandwidth;
        double remaining = round.DirtyPages * round.WireBytesPerPage;
        double transfer = bandwidth > 0 ? remaining / bandwidth : double.PositiveInfinity;
        bool progress = transfer < _previous * ProgressRatio;
        _previous = transfer;

        if (transfer <= Target(round)) return StopDecision.StopNow(_throttle, "predicted downtime meets the target");

        // Another round sends about what is dirty now, and stop-and-copy a quarter of that again.
        if (round.TotalWireBytes + remaining * (1 + DirtyShare) > ByteBudget(_memoryPages * _pageSize))
            return StopDecision.StopNow(_throttle, "another round would pass the byte budget");
        if (!progress && transfer <= AcceptableDowntime.TotalSeconds) return StopDecision.StopNow(_throttle, "downtime stopped improving");
        if (round.Round >= MaxRounds) return StopDecision.StopNow(_throttle, $"{MaxRounds} rounds");

        double dirtyWireRate = round.DirtyRate * round.WireBytesPerPage;
        if (bandwidth > 0 && dirtyWireRate > 0 && (dirtyWireRate > ConvergeShare * bandwidth || !progress))
        {
            // The next round lasts about 'transfer'; let it dirty at most a quarter of what it sends (or the
            // target's worth). The workload runs at (1 - throttle) of its speed, so scale from the observed rate.
            double allowed = Math.Max(DirtyShare * remaining, DowntimeTarget.TotalSeconds * bandwidth) / Math.Max(transfer, 1e-6);
            double needed = 1 - allowed * (1 - _throttle) / dirtyWireRate;
            _throttle = Math.Clamp(Math.Max(_throttle, needed), 0, MaxThrottle);
        }
        if (!progress && _throttle >= MaxThrottle) return StopDecision.StopNow(_throttle, "downtime stopped improving at full throttle");
        return StopDecision.Continue(_throttle);
    }
}
