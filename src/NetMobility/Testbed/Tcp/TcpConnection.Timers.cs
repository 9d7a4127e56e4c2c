namespace NetMobility.Testbed.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>RFC 6298 sec 5.4-5.6: resend from the oldest unacknowledged byte, back off, restart the timer.</summary>
    private void OnRetransmitTimer()
    {
        if (State is TcpState.Closed or TcpState.TimeWait || _sndUna == _sndMax) return;
        if (++_retransmissions > Options.MaxRetransmissions)
        {
            if (State is not TcpState.SynSent) EmitSegment(_sndNxt, 0, Wire.TcpFlags.Rst | Wire.TcpFlags.Ack);
            Terminate(TcpCloseReason.TimedOut);
            return;
        }
        Counters.RtosFired++;
        _congestion.OnTimeout(_sndMax - _sndUna, _sndMax);
        _rtt.BackOff();
        _timing = false;
        _duplicateAcks = 0;
        // Go back N: everything from SND.UNA is sent again as the (now one-segment) window allows.
        _sndNxt = _sndUna;
        _retransmitTimer.Schedule(_rtt.Rto);
        Output();
    }

    private void OnDelayedAckTimer()
    {
        if (!IsSynchronized) return;
        _ackNow = true;
        Output();
    }
}
