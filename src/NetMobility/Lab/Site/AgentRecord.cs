using System.Text.Json.Serialization;

namespace NetMobility.Lab.Site;

/// <summary>One agent process of a lab: its role name, process id, configuration file, control socket and log.</summary>
public sealed record AgentRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("socket")] string Socket,
    [property: JsonPropertyName("log")] string Log);
