namespace NetMobility.Testbed.Tcp;

/// <summary>What one connection did, both as sender and as receiver. Read on the loop that runs the connection.</summary>
public sealed class TcpCounters
{
    /// <summary>Data bytes handed to the receive buffer once and in order.</summary>
    public long BytesDelivered { get; internal set; }

    /// <summary>Data bytes this end sent that the peer acknowledged.</summary>
    public long BytesAcknowledged { get; internal set; }

    /// <summary>Every segment sent, retransmissions and pure ACKs included.</summary>
    public long SegmentsSent { get; internal set; }

    /// <summary>Segments sent again whose sequence space had been sent before (RTO, fast retransmit, go-back-N).</summary>
    public long SegmentsRetransmitted { get; internal set; }

    public long SegmentsReceived { get; internal set; }

    /// <summary>Data segments that arrived beyond a gap and were kept for reassembly.</summary>
    public long OutOfOrderSegments { get; internal set; }

    public long RtosFired { get; internal set; }
    public long FastRetransmits { get; internal set; }
    public long DupAcksReceived { get; internal set; }

    /// <summary>Longest time data was outstanding without the peer acknowledging anything new.</summary>
    public TimeSpan LongestStall { get; internal set; }
}
