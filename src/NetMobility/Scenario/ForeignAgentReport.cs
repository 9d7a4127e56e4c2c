using NetMobility.Mobility.Foreign;

namespace NetMobility.Scenario;

/// <summary>The foreign agent's counters at the end of the run.</summary>
public sealed record ForeignAgentReport(long RequestsReceived, long RepliesReceived, long Delivered, long ReverseTunnelled, long NotForAVisitor, long ArpAnswered)
{
    public static ForeignAgentReport Of(ForeignAgentCounters c) =>
        new(c.RequestsReceived, c.RepliesReceived, c.Delivered, c.ReverseTunnelled, c.NotForAVisitor, c.ArpAnswered);
}
