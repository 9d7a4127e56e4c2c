namespace NetMobility.Tunnels;

/// <summary>
/// Per-tunnel packet counters, one per drop reason plus traffic and receive-window events.
/// Updated by the thread that drives the endpoint; read them from that thread (or accept a torn read).
/// </summary>
public sealed class TunnelCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<TunnelDropReason>().Length];

    /// <summary>Inner packets encapsulated and handed to the host for transmission.</summary>
    public long PacketsOut { get; private set; }
    /// <summary>Bytes of the outer packets counted by <see cref="PacketsOut"/>.</summary>
    public long BytesOut { get; private set; }
    /// <summary>Inner packets decapsulated and delivered to the host, in order.</summary>
    public long PacketsIn { get; private set; }
    /// <summary>Bytes of the inner packets counted by <see cref="PacketsIn"/>.</summary>
    public long BytesIn { get; private set; }
    /// <summary>Inner IPv4 fragments made because a packet without DF did not fit the tunnel MTU.</summary>
    public long FragmentsMade { get; private set; }
    /// <summary>ICMP fragmentation-needed reports asked of the host for DF packets that did not fit.</summary>
    public long TooBigReports { get; private set; }
    /// <summary>Packets that arrived ahead of a gap and were held in the receive window.</summary>
    public long Reordered { get; private set; }
    /// <summary>Sequence numbers given up on (never arrived before a timer or overflow flush passed them).</summary>
    public long SequenceGaps { get; private set; }
    /// <summary>Times the OUTOFORDER_TIMER ran out and the window was flushed past a gap.</summary>
    public long TimerFlushes { get; private set; }
    /// <summary>Times a full window (MAX_PERFLOW_BUFFER) released its oldest packet past a gap to make room.</summary>
    public long OverflowFlushes { get; private set; }

    /// <summary>ICMP errors from routers inside the tunnel about this endpoint's outer packets (RFC 2003 sec 4).</summary>
    public long IcmpErrorsReceived { get; private set; }
    /// <summary>Of those, the ones relayed to the sender of the inner packet (RFC 2003 sec 4.1).</summary>
    public long IcmpErrorsRelayed { get; private set; }
    /// <summary>Destination unreachable sent to senders of later packets from the reachability soft state (RFC 2003 sec 5).</summary>
    public long UnreachableReports { get; private set; }

    public long Dropped(TunnelDropReason reason) => _drops[(int)reason];

    public long TotalDropped
    {
        get
        {
            long sum = 0;
            foreach (long d in _drops) sum += d;
            return sum;
        }
    }

    internal void Drop(TunnelDropReason reason) => _drops[(int)reason]++;
    internal void Sent(int outerBytes) { PacketsOut++; BytesOut += outerBytes; }
    internal void Received(int innerBytes) { PacketsIn++; BytesIn += innerBytes; }
    internal void Fragmented(int fragments) => FragmentsMade += fragments;
    internal void TooBigReported() => TooBigReports++;
    internal void Held() => Reordered++;
    internal void IcmpErrorReceived() => IcmpErrorsReceived++;
    internal void IcmpErrorRelayed() => IcmpErrorsRelayed++;
    internal void UnreachableReported() => UnreachableReports++;
    internal void Skipped(uint gap) => SequenceGaps += gap;
    internal void TimerFlushed() => TimerFlushes++;
    internal void OverflowFlushed() => OverflowFlushes++;
}
