namespace NetMobility.Mobility.Foreign;

/// <summary>What a foreign agent did with visitors' traffic. Updated on the node's loop.</summary>
public sealed class ForeignAgentCounters
{
    /// <summary>Decapsulated packets delivered to a visitor's hardware address.</summary>
    public long Delivered { get; internal set; }

    /// <summary>Decapsulated packets for no accepted visitor of the home agent they came from, dropped (RFC 5944 sec 4.2.2).</summary>
    public long NotForAVisitor { get; internal set; }

    /// <summary>Visitors' packets sent into the reverse tunnel to their home agent (RFC 3024).</summary>
    public long ReverseTunnelled { get; internal set; }

    /// <summary>Packets a visitor sent encapsulated to the agent (RFC 3024 sec 5.2) that were not its own.</summary>
    public long EncapsulatedRefused { get; internal set; }

    /// <summary>Visitors' packets, and decapsulated packets for visitors, dropped because their TTL ran out.</summary>
    public long TtlExpired { get; internal set; }

    /// <summary>ARP requests from visitors answered with the agent's own hardware address.</summary>
    public long ArpAnswered { get; internal set; }

    /// <summary>Registration requests taken from the visitors' link.</summary>
    public long RequestsReceived { get; internal set; }

    /// <summary>Registration replies taken from home agents.</summary>
    public long RepliesReceived { get; internal set; }
}
