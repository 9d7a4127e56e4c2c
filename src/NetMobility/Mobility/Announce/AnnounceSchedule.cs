namespace NetMobility.Mobility.Announce;

/// <summary>
/// When an announcer sends its rounds, in QEMU's terms (qemu-options "announce-self", the announce-initial,
/// -max, -rounds and -step parameters): the first round at once, then after round k (k = 1, 2, ...) a pause of
/// <see cref="Initial"/> + (k - 1) x <see cref="Step"/>, never longer than <see cref="Max"/>.
/// </summary>
public sealed record AnnounceSchedule
{
    /// <summary>
    /// How long Linux ignores a further ARP update of a neighbour entry it has just changed (neigh locktime,
    /// 1 s by default): an announcement that ends sooner may be lost entirely on such a neighbour.
    /// </summary>
    public static readonly TimeSpan LinuxLocktime = TimeSpan.FromSeconds(1);

    /// <summary>QEMU's default: 5 rounds, 50 ms first pause, 100 ms more each time, 550 ms at most (sent at 0, 50, 200, 450 and 800 ms).</summary>
    public static AnnounceSchedule Qemu { get; } = new();

    /// <summary>Rounds sent, at least 1.</summary>
    public int Rounds { get; init; } = 5;

    public TimeSpan Initial { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan Max { get; init; } = TimeSpan.FromMilliseconds(550);

    /// <summary>The pause after round <paramref name="round"/> (1-based), before the next.</summary>
    public TimeSpan PauseAfter(int round)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1, nameof(round));
        var pause = Initial + Step * (round - 1);
        return pause > Max ? Max : pause;
    }

    /// <summary>Time from the first round to the last.</summary>
    public TimeSpan Duration
    {
        get
        {
            var total = TimeSpan.Zero;
            for (int round = 1; round < Rounds; round++) total += PauseAfter(round);
            return total;
        }
    }

    /// <summary>
    /// This schedule with as many rounds added as it takes for the last round to come later than
    /// <paramref name="locktime"/> after the first: a neighbour that locked its entry on an early round still
    /// takes a later one (QEMU's default ends at 800 ms, inside Linux's 1 s).
    /// </summary>
    public AnnounceSchedule Outlasting(TimeSpan locktime)
    {
        if (Validate() is string problem) throw new InvalidOperationException(problem);
        var schedule = this;
        while (schedule.Duration <= locktime) schedule = schedule with { Rounds = schedule.Rounds + 1 };
        return schedule;
    }

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (Rounds < 1) return "an announcement needs at least one round";
        if (Initial <= TimeSpan.Zero || Max <= TimeSpan.Zero) return "announce pauses must be positive";
        if (Step < TimeSpan.Zero) return "announce step must not be negative";
        return null;
    }
}
