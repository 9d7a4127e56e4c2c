namespace NetMobility.Migration.Policies;

/// <summary>
/// QEMU's rule (migration/migration.c, migration_iteration_run): stop when the remaining dirty bytes would
/// cross the link within the downtime limit at the bandwidth measured in the last round (default limit
/// 300 ms). With auto-converge (migration/ram.c, migration_trigger_throttle): when the bytes dirtied in a
/// round exceed 50 % of the bytes sent in it, twice in a row, throttle the guest: first to 20 %, then
/// +10 % per step, at most 99 %.
/// QEMU itself never gives up; <see cref="MaxRounds"/> stands for the operator who forces completion,
/// so that a workload that never converges still ends (0 = no bound).
/// </summary>
public sealed class QemuPolicy(bool autoConverge, TimeSpan? downtimeLimit = null, int maxRounds = QemuPolicy.DefaultMaxRounds) : IStopPolicy
{
    public static readonly TimeSpan DefaultDowntimeLimit = TimeSpan.FromMilliseconds(300);
    public const int DefaultMaxRounds = 30;
    public const double ThrottleInitial = 0.20;
    public const double ThrottleIncrement = 0.10;
    public const double ThrottleMax = 0.99;
    public const double TriggerThreshold = 0.50;

    private int _highDirtyRounds;
    private double _throttle;

    public bool AutoConverge { get; } = autoConverge;
    public TimeSpan DowntimeLimit { get; } = downtimeLimit ?? DefaultDowntimeLimit;
    public int MaxRounds { get; } = maxRounds;

    public string Name => AutoConverge ? "qemu-ac" : "qemu";

    public void Begin(long memoryPages, int pageSize)
    {
        _highDirtyRounds = 0;
        _throttle = 0;
    }

    public StopDecision AfterRound(in RoundStatistics round)
    {
        // threshold_size = bandwidth * downtime_limit; complete when pending_size falls under it.
        double threshold = round.Bandwidth * DowntimeLimit.TotalSeconds;
        if (round.DirtyBytes <= threshold) return StopDecision.StopNow(_throttle, "remaining dirty bytes fit in the downtime limit");
        if (MaxRounds > 0 && round.Round >= MaxRounds) return StopDecision.StopNow(_throttle, $"forced after {MaxRounds} rounds");
        if (AutoConverge) UpdateThrottle(round);
        return StopDecision.Continue(_throttle);
    }

    private void UpdateThrottle(in RoundStatistics round)
    {
        if (round.DirtyBytes > round.WireBytes * TriggerThreshold)
        {
            if (++_highDirtyRounds < 2) return;
            _highDirtyRounds = 0;
            _throttle = _throttle == 0 ? ThrottleInitial : Math.Min(ThrottleMax, _throttle + ThrottleIncrement);
        }
        else
        {
            _highDirtyRounds = 0;
        }
    }
}
