namespace NetMobility.Links;

/// <summary>
/// What an <see cref="ImpairedLink"/> does to the frames it sends, in the manner of Linux netem:
/// loss and duplication first, then the rate limit (a token bucket), then the delay.
/// </summary>
public sealed record ImpairmentOptions
{
    /// <summary>Fixed one-way delay added to every frame.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Each frame's delay is Latency plus a uniform draw in [-Jitter, +Jitter] (never below zero); frames may then overtake each other, as with netem.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Rate limit in bit/s; 0 means unlimited.</summary>
    public long BandwidthBitsPerSecond { get; init; }

    /// <summary>Token bucket depth in bytes; 0 means one largest frame. Raised to one largest frame if smaller.</summary>
    public int BurstBytes { get; init; }

    /// <summary>Probability in [0, 1] that a frame is lost.</summary>
    public double Loss { get; init; }

    /// <summary>Probability in [0, 1] that a frame is sent twice.</summary>
    public double Duplication { get; init; }

    /// <summary>Probability in [0, 1] that a frame skips the delay and so overtakes the frames in flight (netem's reorder).</summary>
    public double Reordering { get; init; }

    /// <summary>Most frames held at once, waiting for tokens or in flight; netem's default limit is 1000.</summary>
    public int Limit { get; init; } = 1000;

    /// <summary>Seed of the random draws: the same seed and the same frames give the same run.</summary>
    public ulong Seed { get; init; } = 1;

    internal void Validate()
    {
        if (Latency < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Latency), "latency is not negative");
        if (Jitter < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Jitter), "jitter is not negative");
        if (BandwidthBitsPerSecond < 0) throw new ArgumentOutOfRangeException(nameof(BandwidthBitsPerSecond), "bandwidth is not negative");
        if (BurstBytes < 0) throw new ArgumentOutOfRangeException(nameof(BurstBytes), "burst is not negative");
        CheckProbability(Loss, nameof(Loss));
        CheckProbability(Duplication, nameof(Duplication));
        CheckProbability(Reordering, nameof(Reordering));
        if (Limit < 1) throw new ArgumentOutOfRangeException(nameof(Limit), "the limit holds at least one frame");
    }

    private static void CheckProbability(double p, string name)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(name, "a probability lies in [0, 1]");
    }
}
