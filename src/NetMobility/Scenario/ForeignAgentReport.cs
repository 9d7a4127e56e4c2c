using NetMobility.Mobility.Foreign;

namespace NetMobility.Scenario;

/// <summary>The foreign agent's counters at the end of the run.</summary>
public sealed record ForeignAgentReport
{
    public long RequestsReceived { get; init; }
    public long RepliesReceived { get; init; }
    public long Delivered { get; init; }
    public long ReverseTunnelled { get; init; }
    public long NotForAVisitor { get; init; }
    public long ArpAnswered { get; init; }

    public static ForeignAgentReport Of(ForeignAgentCounters c) => new()
    {
        RequestsReceived = c.RequestsReceived, RepliesReceived = c.RepliesReceived, Delivered = c.Delivered,
        ReverseTunnelled = c.ReverseTunnelled, NotForAVisitor = c.NotForAVisitor, ArpAnswered = c.ArpAnswered,
    };
}
