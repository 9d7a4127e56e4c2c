namespace NetMobility.Migration.Engine;

/// <summary>
/// Where a running migration stands, for a progress display: read from another thread while the channels send,
/// so the numbers are a moment's picture, not an exact sum.
/// </summary>
public readonly record struct MigrationProgress(
    int Round, bool StopAndCopy, long PagesLeftInRound, long PagesSent, long WireBytes, double DirtyPagesPerSecond, TimeSpan Elapsed)
{
    /// <summary>Octets on the wire per second since the start.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? WireBytes / Elapsed.TotalSeconds : 0;

    /// <summary>The time the rest of this round takes at the average octets per page and throughput so far; null before any page went.</summary>
    public TimeSpan? RoundEta => PagesSent > 0 && Throughput > 0
        ? TimeSpan.FromSeconds(PagesLeftInRound * ((double)WireBytes / PagesSent) / Throughput)
        : null;
}
