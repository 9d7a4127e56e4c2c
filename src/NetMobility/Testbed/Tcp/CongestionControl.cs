namespace NetMobility.Testbed.Tcp;

/// <summary>
/// The sender's congestion window: slow start and congestion avoidance (RFC 5681 sec 3.1), fast
/// retransmit and fast recovery on the third duplicate ACK (RFC 5681 sec 3.2) with NewReno's partial
/// acknowledgements (RFC 6582), and the loss window of one segment after a retransmission timeout.
/// </summary>
internal sealed class CongestionControl
{
    private int _mss;
    private long _bytesAckedInAvoidance;

    public CongestionControl(int mss, int initialWindowSegments, uint initialSequence)
    {
        Recover = initialSequence;
        _mss = mss;
        Window = (long)mss * initialWindowSegments;
        SlowStartThreshold = long.MaxValue;
    }

    public long Window { get; private set; }
    public long SlowStartThreshold { get; private set; }
    public bool InRecovery { get; private set; }

    /// <summary>The highest sequence number sent when recovery began (RFC 6582 "recover").</summary>
    public uint Recover { get; private set; }

    public void SetMss(int mss, int initialWindowSegments)
    {
        _mss = mss;
        Window = (long)mss * initialWindowSegments;
    }

    /// <summary>New data acknowledged outside recovery (RFC 5681 sec 3.1, byte counting as in RFC 3465 with L = 2 SMSS).</summary>
    public void OnAck(int bytesAcked)
    {
        if (Window < SlowStartThreshold)
        {
            Window += Math.Min(bytesAcked, 2 * _mss);
            return;
        }
        _bytesAckedInAvoidance += bytesAcked;
        if (_bytesAckedInAvoidance >= Window)
        {
            _bytesAckedInAvoidance -= Window;
            Window += _mss;
        }
    }

    /// <summary>The third duplicate ACK: halve, then inflate by the three segments that left the network (RFC 5681 sec 3.2 steps 2, 3).</summary>
    public void EnterRecovery(long flightSize, uint highestSent)
    {
        SlowStartThreshold = Math.Max(flightSize / 2, 2L * _mss);
        Window = SlowStartThreshold + 3L * _mss;
        InRecovery = true;
        Recover = highestSent;
    }

    /// <summary>A further duplicate ACK in recovery: one more segment left the network (step 4).</summary>
    public void OnDuplicateInRecovery() => Window += _mss;

    /// <summary>A partial acknowledgement (RFC 6582 sec 3.2 step 3): deflate by what it acknowledged, add back one segment.</summary>
    public void OnPartialAck(int bytesAcked) => Window = Math.Max(Window - bytesAcked + _mss, _mss);

    /// <summary>A full acknowledgement ends recovery (RFC 6582 sec 3.2 step 3, the first option).</summary>
    public void ExitRecovery(long flightSize)
    {
        Window = Math.Min(SlowStartThreshold, Math.Max(flightSize, _mss) + _mss);
        InRecovery = false;
        _bytesAckedInAvoidance = 0;
    }

    /// <summary>The retransmission timer expired (RFC 5681 sec 3.1, equation 4, and the loss window).</summary>
    public void OnTimeout(long flightSize, uint highestSent)
    {
        Recover = highestSent; // RFC 6582 sec 3.2 step 4: no fast retransmit for what the timeout already resends
        SlowStartThreshold = Math.Max(flightSize / 2, 2L * _mss);
        Window = _mss;
        InRecovery = false;
        _bytesAckedInAvoidance = 0;
    }
}
