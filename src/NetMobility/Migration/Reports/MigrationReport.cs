namespace NetMobility.Migration.Reports;

/// <summary>What a migration did: per round, and in total. Serialised as JSON by <see cref="ReportJson"/>, shown by <see cref="ReportText"/>.</summary>
public sealed class MigrationReport
{
    public required string Policy { get; init; }
    public required string Workload { get; init; }
    public required string Transport { get; init; }
    public required long MemoryBytes { get; init; }
    public int Channels { get; init; }
    /// <summary>Completed (the destination runs the VM) or rolled back (the source kept it).</summary>
    public required MigrationOutcome Outcome { get; init; }
    public string? Error { get; init; }
    public string StopReason { get; init; } = "";
    /// <summary>Why the migration was rolled back; <see cref="RollbackCause.None"/> when it was not.</summary>
    public RollbackCause Cause { get; init; }
    public List<RoundReport> Rounds { get; init; } = [];
    /// <summary>From the start of round 1 to the source's release of the VM.</summary>
    public double TotalTimeMs { get; init; }
    /// <summary>From the pause of the VM at the source to its resumption at the destination: <see cref="Switchover"/>'s parts added up.</summary>
    public double DowntimeMs { get; init; }
    /// <summary>The downtime part by part; null unless the migration completed.</summary>
    public SwitchoverReport? Switchover { get; init; }
    public long WireBytes { get; init; }
    /// <summary>The device state's own octets, taken once (a hypervisor's included); its records are part of <see cref="WireBytes"/>.</summary>
    public long DeviceStateBytes { get; init; }
    public long LogicalBytes { get; init; }
    /// <summary>Logical octets per octet on the wire (2 = half the bytes).</summary>
    public double CompressionRatio { get; init; }
    /// <summary>CPU time the page encoders spent.</summary>
    public double CpuTimeMs { get; init; }
    /// <summary>Connections resumed after a drop, and pages sent again because of them.</summary>
    public int Resumes { get; init; }
    public long ResentPages { get; init; }
    public double FinalThrottle { get; init; }
    /// <summary>The image digest both ends agreed on (docs/page-stream.md sec 3.5; empty when rolled back).</summary>
    public string Digest { get; init; } = "";

    public bool Completed => Outcome == MigrationOutcome.Completed;
}
