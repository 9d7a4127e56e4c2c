using NetMobility.Mobility.Home;

namespace NetMobility.Scenario;

/// <summary>The home agent's counters at the end of the run.</summary>
public sealed record HomeAgentReport
{
    public long RequestsReceived { get; init; }
    public long Accepted { get; init; }
    public long Denied { get; init; }
    public long Tunnelled { get; init; }
    public long ReverseTunnelled { get; init; }
    public long ReverseTunnelRejected { get; init; }
    public long HandoverReleased { get; init; }
    public long HandoverDropped { get; init; }
    public long Cancelled { get; init; }
    public long Expired { get; init; }

    public static HomeAgentReport Of(HomeAgentCounters c) => new()
    {
        RequestsReceived = c.RequestsReceived, Accepted = c.Accepted, Denied = c.Denied, Tunnelled = c.Tunnelled,
        ReverseTunnelled = c.ReverseTunnelled, ReverseTunnelRejected = c.ReverseTunnelRejected,
        HandoverReleased = c.HandoverReleased, HandoverDropped = c.HandoverDropped, Cancelled = c.Cancelled, Expired = c.Expired,
    };
}
