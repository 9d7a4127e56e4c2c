namespace NetMobility.Tunnels;

/// <summary>
/// The two knobs RFC 2890 sec 2.2 names for a receiver that restores order: how many out-of-order packets
/// one flow may hold (MAX_PERFLOW_BUFFER) and how long any of them may wait (OUTOFORDER_TIMER).
/// </summary>
public sealed record GreReorderOptions
{
    /// <summary>Largest accepted <see cref="MaxPerflowBuffer"/>: bounds the memory one tunnel may pin.</summary>
    public const int MaxDepth = 4096;

    /// <summary>Longest accepted <see cref="OutOfOrderTimer"/>: a packet held longer than this is of no use to anyone.</summary>
    public static readonly TimeSpan MaxTimer = TimeSpan.FromSeconds(60);

    /// <summary>
    /// MAX_PERFLOW_BUFFER: packets held while waiting for a missing one. Zero holds nothing: a packet ahead of
    /// a gap is delivered at once and the gap is given up (what Linux does for every reordering).
    /// </summary>
    public int MaxPerflowBuffer { get; init; } = 32;

    /// <summary>OUTOFORDER_TIMER: no packet waits in the window longer than this.</summary>
    public TimeSpan OutOfOrderTimer { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Null when the options are usable, else which one is wrong and why.</summary>
    public string? Validate()
    {
        if (MaxPerflowBuffer is < 0 or > MaxDepth) return $"MAX_PERFLOW_BUFFER must be 0..{MaxDepth}, not {MaxPerflowBuffer}";
        if (OutOfOrderTimer <= TimeSpan.Zero || OutOfOrderTimer > MaxTimer)
            return $"OUTOFORDER_TIMER must be more than 0 and at most {MaxTimer.TotalSeconds} s, not {OutOfOrderTimer.TotalMilliseconds} ms";
        return null;
    }
}
