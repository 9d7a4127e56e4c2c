namespace NetMobility.Migration.Policies;

/// <summary>
/// What a stop policy sees after each pre-copy round. "Dirty" counts the pages the workload wrote
/// during the round: what the next round, or stop-and-copy, would have to send.
/// </summary>
public readonly record struct RoundStatistics
{
    /// <summary>1 for the first round (every page).</summary>
    public required int Round { get; init; }
    public required long MemoryPages { get; init; }
    public required int PageSize { get; init; }
    public required long PagesSent { get; init; }
    /// <summary>Octets this round put on the link, framing included.</summary>
    public required long WireBytes { get; init; }
    public required TimeSpan Duration { get; init; }
    /// <summary>Pages the next round would send: dirtied during this round, and any held back (to send again after a resume).</summary>
    public required long DirtyPages { get; init; }
    /// <summary>Of <see cref="DirtyPages"/>, those held back (pages lost with a dropped connection), not dirtied in the round.</summary>
    public long HeldBackPages { get; init; }
    public required long TotalPagesSent { get; init; }
    public required long TotalWireBytes { get; init; }
    public required TimeSpan Elapsed { get; init; }
    /// <summary>One-way link latency as configured or measured; zero when unknown.</summary>
    public TimeSpan Latency { get; init; }

    public long MemoryBytes => MemoryPages * PageSize;
    public long DirtyBytes => DirtyPages * PageSize;

    /// <summary>Octets per second the link carried this round (QEMU's "mbps" estimate); 0 for an empty round.</summary>
    public double Bandwidth => Duration > TimeSpan.Zero ? WireBytes / Duration.TotalSeconds : 0;

    /// <summary>Octets on the wire per page sent this round: the achieved encoding, framing included.</summary>
    public double WireBytesPerPage => PagesSent > 0 ? (double)WireBytes / PagesSent : PageSize;

    /// <summary>Pages dirtied per second of this round (held-back pages not counted).</summary>
    public double DirtyRate => Duration > TimeSpan.Zero ? (DirtyPages - HeldBackPages) / Duration.TotalSeconds : 0;
}
