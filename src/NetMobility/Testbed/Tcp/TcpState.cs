namespace NetMobility.Testbed.Tcp;

/// <summary>The connection states of RFC 9293 sec 3.3.2.</summary>
public enum TcpState
{
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

/// <summary>Why a connection ended other than by an orderly close.</summary>
public enum TcpCloseReason
{
    /// <summary>Still open, or closed in order (both FINs exchanged).</summary>
    None,
    /// <summary>The peer answered the SYN with a reset: nobody listens on the port.</summary>
    Refused,
    /// <summary>The peer reset an open connection.</summary>
    Reset,
    /// <summary>This end aborted the connection (a reset was sent).</summary>
    Aborted,
    /// <summary>A segment was retransmitted the most times allowed without an acknowledgement.</summary>
    TimedOut,
}
