using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetMobility.Scenario;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScenarioReport))]
internal sealed partial class ScenarioReportJsonContext : JsonSerializerContext;

/// <summary>Scenario reports as JSON (source-generated serialiser: no reflection); the memory part reads as <c>netmob migrate run --json</c> prints it.</summary>
public static class ScenarioReportJson
{
    public static string Serialize(ScenarioReport report) => JsonSerializer.Serialize(report, ScenarioReportJsonContext.Default.ScenarioReport);

    public static ScenarioReport? Deserialize(string json) => JsonSerializer.Deserialize(json, ScenarioReportJsonContext.Default.ScenarioReport);
}
