namespace NetMobility.Net;

/// <summary>How a <see cref="Node"/> behaves: host or router, ARP timers and bounds, ICMP error rate.</summary>
public sealed record NodeOptions
{
    /// <summary>Forward packets not addressed to this node (a router, RFC 1812); a host drops them.</summary>
    public bool Forwarding { get; init; }

    /// <summary>TTL of the datagrams this node originates (RFC 1700's recommended 64).</summary>
    public byte DefaultTtl { get; init; } = 64;

    /// <summary>How long a resolved neighbour is used without asking again; then it is re-confirmed while still in use.</summary>
    public TimeSpan ArpReachableTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The node's own clock, for its ARP, reassembly and ICMP rate timers: a VM's <see cref="Runtime.GuestClock"/>, which
    /// stands still while the VM is paused; null for the loop's.
    /// </summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Wait between ARP requests for the same address (RFC 1122 sec 2.3.2.1 asks for no more than one per second).</summary>
    public TimeSpan ArpRetransmitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests sent before a resolution is given up (Linux's mcast_solicit is 3).</summary>
    public int ArpMaxRequests { get; init; } = 3;

    /// <summary>Packets held per address while it is resolved; the oldest goes first when full (RFC 1122 sec 2.3.2.2 keeps the latest).</summary>
    public int ArpQueueLength { get; init; } = 16;

    /// <summary>Most neighbours held at once, static and proxy entries not counted.</summary>
    public int ArpCacheCapacity { get; init; } = 1024;

    /// <summary>ICMP errors per second this node sends at most (RFC 1812 sec 4.3.2.8); 0 sends none.</summary>
    public int IcmpErrorsPerSecond { get; init; } = 1000;

    /// <summary>ICMP errors that may go back to back before the rate applies.</summary>
    public int IcmpErrorBurst { get; init; } = 50;

    /// <summary>How long the fragments of one datagram may take to arrive (Linux's ipfrag_time is 30 s; RFC 791 asks for at least 15 s).</summary>
    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Datagrams reassembled at once; fragments of one more are dropped.</summary>
    public int MaxReassemblies { get; init; } = 64;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan((int)DefaultTtl, 1, nameof(DefaultTtl));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ArpReachableTime, TimeSpan.Zero, nameof(ArpReachableTime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ArpRetransmitInterval, TimeSpan.Zero, nameof(ArpRetransmitInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpMaxRequests, 1, nameof(ArpMaxRequests));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpQueueLength, 1, nameof(ArpQueueLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpCacheCapacity, 1, nameof(ArpCacheCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(IcmpErrorsPerSecond, nameof(IcmpErrorsPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(IcmpErrorBurst, 1, nameof(IcmpErrorBurst));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReassemblyTimeout, TimeSpan.Zero, nameof(ReassemblyTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReassemblies, 1, nameof(MaxReassemblies));
    }
}
