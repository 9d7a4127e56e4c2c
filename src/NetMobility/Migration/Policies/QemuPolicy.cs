namespace NetMobility.Migration.Policies;

/// <summary>
/// QEMU's rule (migration/migration.c, migration_iteration_run): stop as soon as the pending dirty bytes would
/// cross the link within the downtime limit (default 300 ms) at the bandwidth QEMU measures; QEMU checks this
/// continuously, not only at the end of a pass (<see cref="FitsMidRound"/>), and never gives up on its own.
/// With auto-converge (migration/ram.c, migration_trigger_throttle, run at a dirty-bitmap sync once a period of
/// at least 1 s has passed): when the bytes dirtied in the period exceed 50 % (throttle-trigger-threshold) of
/// the bytes transferred in it, a counter goes up; at 2 it resets and the guest is throttled down: first to
/// 20 % (cpu-throttle-initial), then +10 % (cpu-throttle-increment), at most 99 %.
/// <see cref="MaxRounds"/> (0 by default: no bound, as QEMU) can stand for an operator who forces completion.
/// </summary>
public sealed class QemuPolicy(bool autoConverge, TimeSpan? downtimeLimit = null, int maxRounds = 0) : IStopPolicy
{
    public static readonly TimeSpan DefaultDowntimeLimit = TimeSpan.FromMilliseconds(300);
    /// <summary>QEMU's default max-bandwidth (MAX_THROTTLE, 128 MiB/s since QEMU 7.1), in octets per second.</summary>
    public const double DefaultMaxBandwidth = 128 << 20;
    public const double ThrottleInitial = 0.20;
    public const double ThrottleIncrement = 0.10;
    public const double ThrottleMax = 0.99;
    public const double TriggerThreshold = 0.50;
    /// <summary>The shortest auto-converge period: a sync less than this after the last period's start only accumulates.</summary>
    public static readonly TimeSpan ThrottlePeriod = TimeSpan.FromSeconds(1);

    private int _highDirtyPeriods;
    private double _throttle;
    private TimeSpan _periodStart;
    private double _periodDirty, _periodSent;

    public bool AutoConverge { get; } = autoConverge;
    public TimeSpan DowntimeLimit { get; } = downtimeLimit ?? DefaultDowntimeLimit;
    public int MaxRounds { get; } = maxRounds;

    /// <summary>"qemu" or "qemu-ac" unless the bench names the encoder too ("qemu-zstd-ac").</summary>
    public string Name { get; init; } = autoConverge ? "qemu-ac" : "qemu";

    public void Begin(long memoryPages, int pageSize)
    {
        _highDirtyPeriods = 0;
        _throttle = 0;
        _periodStart = TimeSpan.Zero;
        _periodDirty = _periodSent = 0;
    }

    public bool FitsMidRound(double pendingBytes, double bandwidth) => bandwidth > 0 && pendingBytes <= bandwidth * DowntimeLimit.TotalSeconds;

    public StopDecision AfterRound(in RoundStatistics round)
    {
        // threshold_size = bandwidth * downtime_limit; complete when pending_size falls under it.
        if (FitsMidRound(round.DirtyBytes, round.Bandwidth)) return StopDecision.StopNow(_throttle, "remaining dirty bytes fit in the downtime limit");
        if (MaxRounds > 0 && round.Round >= MaxRounds) return StopDecision.StopNow(_throttle, $"forced after {MaxRounds} rounds");
        if (AutoConverge) UpdateThrottle(round);
        return StopDecision.Continue(_throttle);
    }

    private void UpdateThrottle(in RoundStatistics round)
    {
        _periodDirty += round.DirtyBytes - round.HeldBackPages * (double)round.PageSize;
        _periodSent += round.WireBytes;
        if (round.Elapsed - _periodStart < ThrottlePeriod) return;
        bool high = _periodDirty > _periodSent * TriggerThreshold;
        _periodStart = round.Elapsed;
        _periodDirty = _periodSent = 0;
        // The counter is not reset by a period under the threshold: two high periods, not necessarily in a row.
        if (!high || ++_highDirtyPeriods < 2) return;
        _highDirtyPeriods = 0;
        _throttle = _throttle == 0 ? ThrottleInitial : Math.Min(ThrottleMax, _throttle + ThrottleIncrement);
    }
}
