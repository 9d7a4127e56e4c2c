namespace NetMobility.Migration.Reports;

/// <summary>One round of a migration as the report shows it.</summary>
public sealed record RoundReport
{
    public required int Round { get; init; }
    /// <summary>True for the stop-and-copy round(s), sent with the VM paused.</summary>
    public bool StopAndCopy { get; init; }
    public long PagesSent { get; init; }
    /// <summary>Pages of the pass left out because the guest wrote them again since it began (legacy Xen's skip).</summary>
    public long SkippedPages { get; init; }
    /// <summary>Page batch records the round put on the wire (every channel's).</summary>
    public long Batches { get; init; }
    /// <summary>Octets on the wire in the round, record framing included.</summary>
    public long WireBytes { get; init; }
    /// <summary>Page octets the round stands for (pages sent x page size).</summary>
    public long LogicalBytes { get; init; }
    /// <summary>Pages per encoding ("raw", "zero", "delta" ...), unchanged pages (not sent) included.</summary>
    public Dictionary<string, long> Encodings { get; init; } = [];
    /// <summary>Pages dirty at the end of the round.</summary>
    public long DirtyPages { get; init; }
    /// <summary>Pages dirtied per second during the round.</summary>
    public double DirtyRate { get; init; }
    public double DurationMs { get; init; }
    /// <summary>Comparing contents with what was last sent, after the round (dirty tracking by comparison; else 0).</summary>
    public double ScanMs { get; init; }
    public double Throttle { get; init; }
}
