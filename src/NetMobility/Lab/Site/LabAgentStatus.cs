using System.Text.Json;

namespace NetMobility.Lab.Site;

/// <summary>One agent: its record, whether its process runs, its status answer (null when it gave none) and why not.</summary>
public sealed record LabAgentStatus(AgentRecord Agent, bool Running, JsonElement? Status, string? Problem);
