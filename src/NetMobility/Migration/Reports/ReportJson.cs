using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetMobility.Migration.Reports;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MigrationReport))]
[JsonSerializable(typeof(List<MigrationReport>))]
[JsonSerializable(typeof(ReceiveReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

/// <summary>Reports as JSON (source-generated serialiser: no reflection).</summary>
public static class ReportJson
{
    public static string Serialize(MigrationReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.MigrationReport);
    public static string Serialize(List<MigrationReport> reports) => JsonSerializer.Serialize(reports, ReportJsonContext.Default.ListMigrationReport);
    public static MigrationReport? Deserialize(string json) => JsonSerializer.Deserialize(json, ReportJsonContext.Default.MigrationReport);
    public static string Serialize(ReceiveReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.ReceiveReport);
    public static ReceiveReport? DeserializeReceive(string json) => JsonSerializer.Deserialize(json, ReportJsonContext.Default.ReceiveReport);
}
