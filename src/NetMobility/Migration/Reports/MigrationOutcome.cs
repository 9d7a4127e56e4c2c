using System.Text.Json.Serialization;

namespace NetMobility.Migration.Reports;

/// <summary>How a migration ended at the source; in JSON "completed" or "rolled-back".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MigrationOutcome>))]
public enum MigrationOutcome
{
    /// <summary>The destination took the VM (the source released it on ready).</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,
    /// <summary>The migration failed before ready: the VM runs on at the source.</summary>
    [JsonStringEnumMemberName("rolled-back")]
    RolledBack,
    /// <summary>Simulated only: pre-copy never met its stop rule (QEMU without auto-converge goes on for ever); the run was cut off.</summary>
    [JsonStringEnumMemberName("not-converged")]
    NotConverged,
}

/// <summary>How a migration ended at the destination; in JSON "committed" or "refused".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReceiveOutcome>))]
public enum ReceiveOutcome
{
    /// <summary>The VM runs here.</summary>
    [JsonStringEnumMemberName("committed")]
    Committed,
    /// <summary>The stream was refused, or the source did not come back: the VM stays at the source.</summary>
    [JsonStringEnumMemberName("refused")]
    Refused,
}

/// <summary>Why a migration was rolled back (in JSON "none", "failed", "not-answered", "cancelled").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RollbackCause>))]
public enum RollbackCause
{
    /// <summary>It was not rolled back.</summary>
    [JsonStringEnumMemberName("none")]
    None,
    /// <summary>The destination refused the stream, the connection was lost for good, or an answer did not come.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
    /// <summary>A connection closed before the destination answered the stream header (over TLS 1.3, how a destination refuses this host's certificate).</summary>
    [JsonStringEnumMemberName("not-answered")]
    NotAnswered,
    /// <summary>The source gave the migration up (an operator's interrupt); the destination was told with an abort record.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}

public static class OutcomeText
{
    /// <summary>The outcome as the reports' JSON and text name it.</summary>
    public static string Describe(this MigrationOutcome outcome) => outcome switch
    {
        MigrationOutcome.Completed => "completed",
        MigrationOutcome.RolledBack => "rolled-back",
        _ => "not-converged",
    };

    public static string Describe(this ReceiveOutcome outcome) => outcome == ReceiveOutcome.Committed ? "committed" : "refused";
}
