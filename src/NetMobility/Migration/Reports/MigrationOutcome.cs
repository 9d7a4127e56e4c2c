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
