using NetMobility.Migration.Reports;

namespace NetMobility.Scenario;

/// <summary>
/// What one live migration scenario did: the memory migration's report, and the network's side of the move:
/// the two flows, the handover, the binding, the agents' counters, and whether the VM kept its address.
/// Shown by <see cref="ScenarioReportText"/>, serialised by <see cref="ScenarioReportJson"/>. Times are
/// milliseconds of virtual time.
/// </summary>
public sealed class ScenarioReport
{
    public const string Moved = "moved and reachable";
    public const string MovedUnreachable = "moved but unreachable";
    public const string StayedHome = "stayed home";

    /// <summary>
    /// <see cref="Moved"/>: the VM runs at the destination, registered there, and its packets cross both ways with its
    /// home address. <see cref="MovedUnreachable"/>: the VM runs at the destination but no registration was accepted
    /// within the lifetime it asked for (or its packets do not get through): it is cut off. <see cref="StayedHome"/>:
    /// the migration failed and the VM runs at the source.
    /// </summary>
    public required string Outcome { get; init; }

    /// <summary>Which link the memory's page stream crossed, and how it relates to the simulated WAN.</summary>
    public required string PageStreamLink { get; init; }

    /// <summary>Registration requests the VM's hypervisor sent (retransmissions included) from the destination's verification on, before and after the resume.</summary>
    public long RegistrationRequests { get; init; }

    /// <summary>How long after the resume the scenario waited for a registration: the lifetime the request asked for.</summary>
    public double RegistrationWaitMs { get; init; }

    public required MigrationReport Memory { get; init; }

    /// <summary>The destination rebuilt the image and its digest matched the source's.</summary>
    public bool DigestVerified { get; init; }

    /// <summary>Why the destination refused the migration, if it did.</summary>
    public string? DestinationError { get; init; }

    /// <summary>The VM's device state as the destination received it in the page stream; null when it never took the VM.</summary>
    public DeviceStateReport? DeviceState { get; init; }

    public required NetworkSetupReport Network { get; init; }
    public required TimelineReport Timeline { get; init; }

    /// <summary>The correspondent's bulk TCP stream to the VM.</summary>
    public required SessionReport Bulk { get; init; }

    /// <summary>The correspondent's request/response TCP session with the VM (requests to it, responses back).</summary>
    public required SessionReport Requests { get; init; }

    /// <summary>The correspondent's pings to the VM.</summary>
    public required PingReport Ping { get; init; }

    public required HandoverReport Handover { get; init; }

    /// <summary>The home agent's binding for the VM at the end; null when it has none (the VM is at home).</summary>
    public BindingReport? Binding { get; init; }

    public required HomeAgentReport HomeAgent { get; init; }
    public required ForeignAgentReport ForeignAgent { get; init; }

    /// <summary>Packets the correspondent's router dropped as spoofed (RFC 3704 ingress filter): 0 when reverse tunnelling does its job.</summary>
    public long IngressFiltered { get; init; }

    /// <summary>The source address of the last packet the correspondent received from the VM.</summary>
    public required string CorrespondentSawSource { get; init; }

    /// <summary>The correspondent still received the VM's packets from its home address after the VM resumed.</summary>
    public bool KeptAddress { get; init; }

    /// <summary>Capture files written: home link, WAN, foreign link.</summary>
    public List<string> Captures { get; init; } = [];

    /// <summary>The SVG timeline written beside the report (<see cref="ScenarioTimelineSvg"/>); null when none was.</summary>
    public string? TimelineSvg { get; set; }

    /// <summary>The page stream's TCP connections at the source host: segments, retransmissions, RTOs, longest stall.</summary>
    public List<EndpointReport> PageStream { get; init; } = [];

    /// <summary>The migration back to the home host, when the run asked for one (<see cref="ScenarioOptions.Back"/>).</summary>
    public BackReport? Back { get; init; }
}

/// <summary>The VM's network device state (<see cref="VmDeviceState"/>) in text.</summary>
public sealed record DeviceStateReport(string Mac, string HomeAddress, int PrefixLength, string Gateway);

/// <summary>The network the scenario ran on and its traffic.</summary>
public sealed record NetworkSetupReport(string WanBandwidth, double WanLatencyMs, double WanLoss, double WanReordering, string Encapsulation,
    bool ReverseTunnel, string BulkRate, int RequestBytes, int ResponseBytes, double ThinkMs, double PingIntervalMs, double SettleMs);

/// <summary>
/// When things happened, in milliseconds from the start of the network's run. The memory migration starts at
/// <see cref="MigrationStartMs"/>; its pause, release and rollback are its own instants moved there.
/// </summary>
public sealed record TimelineReport
{
    public double MigrationStartMs { get; init; }

    /// <summary>Stop-and-copy began: the VM paused at the source.</summary>
    public double? PausedMs { get; init; }

    /// <summary>The destination, having verified the image, began registering the VM at its care-of address (the VM still paused).</summary>
    public double? RegistrationStartedMs { get; init; }

    /// <summary>The destination's ready reached the source, which released the VM and handed its network over.</summary>
    public double? ReleasedMs { get; init; }

    /// <summary>The VM ran again: at the destination on the commit, one WAN latency after the release; or at the source after a rollback.</summary>
    public double? ResumedMs { get; init; }

    /// <summary>The migration failed and the source took the VM back.</summary>
    public double? RolledBackMs { get; init; }

    /// <summary>How long the VM did not run: from the pause to the resumption.</summary>
    public double? VmPausedMs { get; init; }

    public double FlowsStoppedMs { get; init; }
    public double EndMs { get; init; }
}

/// <summary>
/// One TCP session between the correspondent (the client, which opened it) and the VM (the server): what each
/// direction carried and whether it arrived whole, what each end's TCP did, and the request latency around the move.
/// </summary>
public sealed record SessionReport
{
    public required string Name { get; init; }

    /// <summary>The directions that carry data: the client's to the server, and for a request/response session the server's back.</summary>
    public required List<StreamReport> Streams { get; init; }

    public required EndpointReport Client { get; init; }
    public required EndpointReport Server { get; init; }

    /// <summary>Every stream's every octet arrived once, in order, as sent, and neither end was reset or timed out.</summary>
    public bool Whole { get; init; }

    /// <summary>Request latency by phase of the move; null for a session without requests.</summary>
    public LatencyReport? Latency { get; init; }
}

/// <summary>One direction of a session: octets the sending application wrote and the receiving one read and checked, with both SHA-256s.</summary>
public sealed record StreamReport
{
    public required string From { get; init; }
    public required string To { get; init; }
    public long BytesSent { get; init; }
    public long BytesDelivered { get; init; }

    /// <summary>Octets read that were not the pattern's at their offset: 0 when every octet came once and in order.</summary>
    public long Mismatches { get; init; }

    public required string Sha256Sent { get; init; }
    public required string Sha256Delivered { get; init; }

    /// <summary>All sent was delivered, in order, and the digests agree.</summary>
    public bool Whole { get; init; }
}

/// <summary>One end's TCP: its counters (<see cref="Testbed.Tcp.TcpCounters"/>) and where the connection ended.</summary>
public sealed record EndpointReport
{
    public required string Host { get; init; }
    public long SegmentsSent { get; init; }
    public long Retransmissions { get; init; }
    public long RtosFired { get; init; }
    public long FastRetransmits { get; init; }
    public long DupAcksReceived { get; init; }

    /// <summary>The longest time this end had data outstanding and nothing new acknowledged.</summary>
    public double LongestStallMs { get; init; }

    public required string State { get; init; }

    /// <summary>Why the connection closed, if it did: none (an orderly close), reset, timed out, aborted.</summary>
    public required string CloseReason { get; init; }
}

/// <summary>Latencies (request to whole response, or echo round trips) before the VM paused, during the move (from the pause to <see cref="NetworkSetupReport.SettleMs"/> after the resume) and after.</summary>
public sealed record LatencyReport(PhaseLatency Before, PhaseLatency During, PhaseLatency After);

/// <summary>How many samples started in a phase, their median and their maximum (null when none).</summary>
public sealed record PhaseLatency(int Count, double? MedianMs, double? MaxMs);

/// <summary>Echo requests the correspondent sent the VM, the replies, and their round trips by phase.</summary>
public sealed record PingReport(int Sent, int Replied, LatencyReport Rtt);

/// <summary>Who held the VM's packets across the move, and how quickly the new path came up.</summary>
public sealed record HandoverReport
{
    /// <summary>Frames the source host queued for the paused VM.</summary>
    public long SourceQueued { get; init; }

    /// <summary>Frames for the paused VM that did not fit the source host's queue.</summary>
    public long SourceQueueDropped { get; init; }

    /// <summary>Queued frames the VM received when it resumed at the source (after a failure).</summary>
    public long SourceDeliveredOnResume { get; init; }

    /// <summary>Packets for the VM the source host sent on to the home agent after the release.</summary>
    public long SourceForwarded { get; init; }

    /// <summary>Packets the home agent held for the move and sent on.</summary>
    public long HomeAgentReleased { get; init; }

    /// <summary>Packets for the moving VM the home agent could not hold, or held past its timeout.</summary>
    public long HomeAgentDropped { get; init; }

    /// <summary>Frames the VM sent at its destination before its registration was in force, held by its port.</summary>
    public long VmHeld { get; init; }

    /// <summary>
    /// From the VM's resumption at the destination to the registration reply that accepted it: negative when the
    /// destination registered the VM during stop-and-copy, before it resumed.
    /// </summary>
    public double? ResumeToRegisteredMs { get; init; }

    /// <summary>The handover: from the resumption to the first of the correspondent's packets at the VM (through the tunnel).</summary>
    public double? ResumeToFirstDeliveredMs { get; init; }

    /// <summary>From the resumption to the correspondent's receipt of the first packet the VM sent after it (through the reverse tunnel).</summary>
    public double? ResumeToFirstReverseMs { get; init; }

    /// <summary>Frames for the VM that reached the destination before it resumed, held by its port there and delivered on resume.</summary>
    public long DestinationHeld { get; init; }
}

/// <summary>A home agent's binding (RFC 5944 sec 3.8.1).</summary>
public sealed record BindingReport(string HomeAddress, string CareOfAddress, string Encapsulation, bool ReverseTunnel, int LifetimeSeconds);

/// <summary>
/// The migration back home: its memory report, and on the run's clock (ms from its start) when the VM paused at the
/// foreign host and resumed at home, the first correspondent packet at the VM after that, and the binding's removal.
/// </summary>
public sealed record BackReport
{
    public required MigrationReport Memory { get; init; }
    public bool DigestVerified { get; init; }
    public double? PausedMs { get; init; }
    public double? ResumedMs { get; init; }
    public double? VmPausedMs { get; init; }
    public double? ResumeToFirstDeliveredMs { get; init; }

    /// <summary>Frames that reached the VM's port at the foreign host while it was paused and went home with it.</summary>
    public long HandedOverWithVm { get; init; }

    /// <summary>The home agent holds no binding for the VM any more: its move home deregistered it.</summary>
    public bool Deregistered { get; init; }
}
