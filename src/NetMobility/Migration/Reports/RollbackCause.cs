using System.Text.Json.Serialization;

namespace NetMobility.Migration.Reports;

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
