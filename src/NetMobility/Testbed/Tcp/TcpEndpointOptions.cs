namespace NetMobility.Testbed.Tcp;

/// <summary>
/// How a <see cref="TcpConnection"/> behaves. The defaults follow Linux where RFCs leave a choice: 200 ms
/// minimum RTO, 1 s initial RTO (RFC 6298 sec 2.1), ten segments of initial window (RFC 6928), delayed ACK of
/// at most two full segments or 40 ms. TIME-WAIT is shortened from 2 MSL to a second: a testbed reuses ports quickly.
/// </summary>
public sealed record TcpEndpointOptions
{
    /// <summary>Bytes the send buffer holds: written and not yet acknowledged.</summary>
    public int SendBufferSize { get; init; } = 256 * 1024;

    /// <summary>Bytes the receive buffer holds: delivered and unread, plus the window offered to the peer.</summary>
    public int ReceiveBufferSize { get; init; } = 256 * 1024;

    /// <summary>Offer window scaling (RFC 7323 sec 2); used only when both SYNs carry the option.</summary>
    public bool WindowScaling { get; init; } = true;

    /// <summary>Caps the MSS this end announces; null takes the path's: the egress interface's MTU less 40.</summary>
    public int? MaxSegmentSize { get; init; }

    public TimeSpan InitialRto { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MinRto { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxRto { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Retransmissions of one segment before the connection gives up (Linux's tcp_retries2 is 15).</summary>
    public int MaxRetransmissions { get; init; } = 15;

    /// <summary>Initial congestion window in segments (RFC 6928).</summary>
    public int InitialWindowSegments { get; init; } = 10;

    /// <summary>Acknowledge every second full segment or after <see cref="DelayedAckTimeout"/>; false acknowledges every segment at once.</summary>
    public bool DelayedAck { get; init; } = true;

    public TimeSpan DelayedAckTimeout { get; init; } = TimeSpan.FromMilliseconds(40);

    public TimeSpan TimeWait { get; init; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (SendBufferSize < 1) throw new ArgumentOutOfRangeException(nameof(SendBufferSize), "the send buffer holds at least a byte");
        if (ReceiveBufferSize < 1 || ReceiveBufferSize > (1 << 30)) throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), "the receive buffer holds 1 byte to 1 GiB (RFC 7323 sec 2.3)");
        if (MaxSegmentSize is < 64 or > 65495) throw new ArgumentOutOfRangeException(nameof(MaxSegmentSize), "an MSS lies in 64..65495");
        if (MinRto <= TimeSpan.Zero || InitialRto < MinRto || MaxRto < InitialRto) throw new ArgumentOutOfRangeException(nameof(InitialRto), "0 < minimum RTO <= initial RTO <= maximum RTO");
        if (MaxRetransmissions < 1) throw new ArgumentOutOfRangeException(nameof(MaxRetransmissions), "at least one retransmission");
        if (InitialWindowSegments < 1) throw new ArgumentOutOfRangeException(nameof(InitialWindowSegments), "at least one segment");
        if (DelayedAckTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(DelayedAckTimeout), "a positive delay");
        if (TimeWait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TimeWait), "not negative");
    }
}
