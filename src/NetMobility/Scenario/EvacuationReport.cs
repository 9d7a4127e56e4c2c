using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetMobility.Scenario;

/// <summary>
/// What an evacuation of N VMs from the home host did: each VM's migration, downtime and registration, the time to
/// empty the host (from the start of the migrations to the last VM resumed away) and the worst downtime. Times are ms
/// on the network's virtual clock from the start of the run.
/// </summary>
public sealed record EvacuationReport
{
    /// <summary>Every VM moved and is reachable at the destination.</summary>
    public const string Evacuated = "host emptied: every VM moved and is reachable";

    /// <summary>Some VM stayed home or is cut off at the destination.</summary>
    public const string NotEvacuated = "host not emptied";

    public required string Outcome { get; init; }
    public int VmCount { get; init; }
    public long MemoryBytesPerVm { get; init; }
    public required string Workload { get; init; }
    public required string Policy { get; init; }
    public int ChannelsPerVm { get; init; }

    /// <summary>Octets each page-stream connection keeps in flight at most (the VMs' connections share the WAN's queue).</summary>
    public int WindowBytesPerConnection { get; init; }

    public required NetworkSetupReport Network { get; init; }
    public double MigrationStartMs { get; init; }

    /// <summary>From the start of the migrations to the last VM resumed at the destination; null when some VM did not move.</summary>
    public double? TimeToEmptyMs { get; init; }

    /// <summary>The longest time a VM did not run (pause to resume); null when no VM paused.</summary>
    public double? WorstDowntimeMs { get; init; }

    public double? MedianDowntimeMs { get; init; }

    /// <summary>The slowest resume-to-first-packet of the VMs that moved.</summary>
    public double? WorstResumeToFirstDeliveredMs { get; init; }

    /// <summary>Bindings the home agent holds at the end, all to the foreign agent's care-of address when every VM moved.</summary>
    public int Bindings { get; init; }

    public int BindingsToCareOf { get; init; }
    public required HomeAgentReport HomeAgent { get; init; }
    public required ForeignAgentReport ForeignAgent { get; init; }
    public long PageStreamConnections { get; init; }
    public long PageStreamSegments { get; init; }
    public long PageStreamRetransmissions { get; init; }
    public long PageStreamRtos { get; init; }
    public double EndMs { get; init; }
    public required IReadOnlyList<EvacuatedVmReport> Vms { get; init; }
}

/// <summary>One VM of an evacuation: its migration, when it paused and resumed, its registration, and its request session.</summary>
public sealed record EvacuatedVmReport
{
    public int Index { get; init; }
    public required string Address { get; init; }
    public required string Mac { get; init; }
    public required string Outcome { get; init; }
    public bool DigestVerified { get; init; }
    public string? DestinationError { get; init; }
    public int Rounds { get; init; }
    public long BytesOnWire { get; init; }
    public double? PausedMs { get; init; }
    public double? ResumedMs { get; init; }

    /// <summary>The VM did not run for this long: pause to resume.</summary>
    public double? DowntimeMs { get; init; }

    /// <summary>From the start of the migrations to the VM's resume.</summary>
    public double? TotalMs { get; init; }

    public long RegistrationRequests { get; init; }
    public double? ResumeToRegisteredMs { get; init; }
    public double? ResumeToFirstDeliveredMs { get; init; }
    public string? CareOfAddress { get; init; }
    public int RequestsCompleted { get; init; }

    /// <summary>The VM's request session ended cleanly with every octet both ways delivered, in order.</summary>
    public bool SessionWhole { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EvacuationReport))]
internal sealed partial class EvacuationReportJsonContext : JsonSerializerContext;

/// <summary>Evacuation reports as JSON (source-generated serialiser).</summary>
public static class EvacuationReportJson
{
    public static string Serialize(EvacuationReport report) => JsonSerializer.Serialize(report, EvacuationReportJsonContext.Default.EvacuationReport);

    public static EvacuationReport? Deserialize(string json) => JsonSerializer.Deserialize(json, EvacuationReportJsonContext.Default.EvacuationReport);
}
