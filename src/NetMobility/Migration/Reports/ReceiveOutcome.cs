using System.Text.Json.Serialization;

namespace NetMobility.Migration.Reports;

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
