using NetMobility.Mobility.Home;

namespace NetMobility.Scenario;

/// <summary>The home agent's counters at the end of the run.</summary>
public sealed record HomeAgentReport(long RequestsReceived, long Accepted, long Denied, long Tunnelled, long ReverseTunnelled,
    long ReverseTunnelRejected, long HandoverReleased, long HandoverDropped, long Cancelled, long Expired)
{
    public static HomeAgentReport Of(HomeAgentCounters c) => new(c.RequestsReceived, c.Accepted, c.Denied, c.Tunnelled, c.ReverseTunnelled,
        c.ReverseTunnelRejected, c.HandoverReleased, c.HandoverDropped, c.Cancelled, c.Expired);
}
