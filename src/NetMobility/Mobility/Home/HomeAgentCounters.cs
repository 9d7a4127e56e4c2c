namespace NetMobility.Mobility.Home;

/// <summary>What a home agent did, for tests and operators. Updated on the node's loop.</summary>
public sealed class HomeAgentCounters
{
    public long RequestsReceived { get; internal set; }
    public long RequestsDiscarded { get; internal set; }
    public long Accepted { get; internal set; }
    public long Denied { get; internal set; }

    /// <summary>Packets for a node away from home sent into its tunnels (one per binding a packet was copied to).</summary>
    public long Tunnelled { get; internal set; }

    /// <summary>Packets for a node away from home dropped because their TTL ran out.</summary>
    public long TtlExpired { get; internal set; }

    /// <summary>Reverse-tunnelled packets that passed the RFC 3024 check and went on from the home network.</summary>
    public long ReverseTunnelled { get; internal set; }

    /// <summary>Reverse-tunnelled packets refused: the inner source has no binding to the care-of address they came from (RFC 3024 sec 6.1).</summary>
    public long ReverseTunnelRejected { get; internal set; }

    /// <summary>Decapsulated packets dropped because the queue into the node was full.</summary>
    public long ReverseQueueFull { get; internal set; }

    /// <summary>Packets held for nodes being moved and later sent on.</summary>
    public long HandoverReleased { get; internal set; }

    /// <summary>Packets for nodes being moved that did not fit the buffer or waited past the handover timeout.</summary>
    public long HandoverDropped { get; internal set; }

    /// <summary>Bindings removed because the move that registered them failed (<see cref="HomeAgent.CancelHandover"/>).</summary>
    public long Cancelled { get; internal set; }

    /// <summary>Bindings that ran out without being renewed.</summary>
    public long Expired { get; internal set; }
}
