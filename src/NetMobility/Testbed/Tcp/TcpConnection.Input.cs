using NetMobility.Wire;
using static NetMobility.Testbed.Tcp.SequenceNumber;

namespace NetMobility.Testbed.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>A segment for this connection arrived (RFC 9293 sec 3.10.7, "SEGMENT ARRIVES").</summary>
    internal void OnSegment(in TcpHeader header, ReadOnlySpan<byte> payload)
    {
        Counters.SegmentsReceived++;
        if (State == TcpState.SynSent)
        {
            OnSegmentInSynSent(header);
            return;
        }
        var flags = header.Flags;
        uint seq = header.SequenceNumber;
        // A repeated SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again.
        if (State == TcpState.SynReceived && (flags & TcpFlags.Syn) != 0 && seq == _irs && (flags & TcpFlags.Ack) == 0)
        {
            RetransmitSyn();
            return;
        }
        if (!IsAcceptable(seq, payload.Length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1 : 0)))
        {
            if ((flags & TcpFlags.Rst) == 0) SendAck();
            return;
        }
        if ((flags & TcpFlags.Rst) != 0)
        {
            // RFC 5961 sec 3.2: only a reset at exactly RCV.NXT is taken; one elsewhere in the window gets a challenge ACK.
            if (seq == RcvNxt) Terminate(State == TcpState.SynReceived ? TcpCloseReason.Refused : TcpCloseReason.Reset);
            else SendAck();
            return;
        }
        if ((flags & TcpFlags.Syn) != 0)
        {
            SendAck(); // RFC 5961 sec 4.2: a SYN in a synchronized state gets a challenge ACK
            return;
        }
        if ((flags & TcpFlags.Ack) == 0) return;
        if (!OnAck(header, payload.Length)) return;
        if (State == TcpState.Closed) return;

        if (!payload.IsEmpty && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
            OnData(seq, payload);
        if ((flags & TcpFlags.Fin) != 0 && _peerFin is null)
        {
            uint fin = seq + (uint)payload.Length;
            if (Lt(fin, _receive.RightEdge)) _peerFin = fin;
        }
        if (!_finReceived && _peerFin is { } peerFin && _receive.Next == peerFin && State is TcpState.SynReceived or TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
            OnPeerFin();
        else if ((flags & TcpFlags.Fin) != 0 && State == TcpState.TimeWait)
        {
            _ackNow = true; // the peer did not hear our ACK of its FIN (sec 3.10.7.4, eighth)
            _timeWaitTimer.Schedule(Options.TimeWait);
        }
        Output();
    }

    private void OnSegmentInSynSent(in TcpHeader header)
    {
        var flags = header.Flags;
        bool ackAcceptable = false;
        if ((flags & TcpFlags.Ack) != 0)
        {
            if (Le(header.AcknowledgmentNumber, _iss) || Gt(header.AcknowledgmentNumber, _sndMax))
            {
                if ((flags & TcpFlags.Rst) == 0) _stack.SendReset(Key, header.AcknowledgmentNumber, 0, TcpFlags.Rst);
                return;
            }
            ackAcceptable = true;
        }
        if ((flags & TcpFlags.Rst) != 0)
        {
            if (ackAcceptable) Terminate(TcpCloseReason.Refused);
            return;
        }
        if ((flags & TcpFlags.Syn) == 0) return;
        AcceptSyn(header.SequenceNumber, header);
        if (!ackAcceptable)
        {
            // Simultaneous open (sec 3.5): answer with SYN-ACK from SYN-RECEIVED.
            State = TcpState.SynReceived;
            _sndNxt = _iss;
            Output();
            return;
        }
        AcknowledgeUpTo(header.AcknowledgmentNumber);
        _sndWnd = header.Window; // never scaled in a SYN (RFC 7323 sec 2.2)
        _sndWl1 = header.SequenceNumber;
        _sndWl2 = header.AcknowledgmentNumber;
        Establish();
        _ackNow = true;
        Output();
    }

    /// <summary>RFC 9293 sec 3.10.7.4, first check: does the segment overlap the receive window?</summary>
    private bool IsAcceptable(uint seq, int length)
    {
        uint next = RcvNxt;
        int window = _finReceived ? 0 : Math.Max(_receive.Window, 0);
        if (length == 0)
            return window == 0 ? seq == next : Ge(seq, next) && Lt(seq, next + (uint)window);
        if (window == 0) return false;
        return (Ge(seq, next) && Lt(seq, next + (uint)window))
            || (Ge(seq + (uint)length - 1, next) && Lt(seq + (uint)length - 1, next + (uint)window));
    }

    /// <summary>The ACK field (sec 3.10.7.4, fifth); false when the segment is to be dropped.</summary>
    private bool OnAck(in TcpHeader header, int payloadLength)
    {
        uint ack = header.AcknowledgmentNumber;
        if (State == TcpState.SynReceived)
        {
            if (Le(ack, _sndUna) || Gt(ack, _sndMax))
            {
                _stack.SendReset(Key, ack, 0, TcpFlags.Rst);
                return false;
            }
            _sndWnd = (long)header.Window << _sndShift;
            _sndWl1 = header.SequenceNumber;
            _sndWl2 = ack;
            Establish();
        }
        if (Gt(ack, _sndMax))
        {
            SendAck();
            return false;
        }
        if (Gt(ack, _sndUna))
            OnNewAck(ack);
        else if (ack == _sndUna && payloadLength == 0 && (header.Flags & (TcpFlags.Syn | TcpFlags.Fin)) == 0
                 && _sndUna != _sndMax && ((long)header.Window << _sndShift) == _sndWnd)
            OnDuplicateAck();
        if (Lt(_sndWl1, header.SequenceNumber) || (_sndWl1 == header.SequenceNumber && Le(_sndWl2, ack)))
        {
            _sndWnd = (long)header.Window << _sndShift;
            _sndWl1 = header.SequenceNumber;
            _sndWl2 = ack;
        }
        bool finAcked = _closeRequested && _sndUna == FinSequence + 1;
        switch (State)
        {
            case TcpState.FinWait1 when finAcked:
                State = TcpState.FinWait2;
                break;
            case TcpState.Closing when finAcked:
                EnterTimeWait();
                break;
            case TcpState.LastAck when finAcked:
                Terminate(TcpCloseReason.None);
                return false;
        }
        return true;
    }

    private void OnNewAck(uint ack)
    {
        var now = _stack.Time.GetUtcNow();
        int acked = AcknowledgeUpTo(ack);
        Counters.BytesAcknowledged += acked;
        // Karn's rule (RFC 6298 sec 3): the timed segment was never retransmitted, or timing was dropped.
        if (_timing && Ge(ack, _timedSequence))
        {
            _timing = false;
            _rtt.AddSample(now - _timedAt);
        }
        _retransmissions = 0;
        var stall = now - _lastProgress;
        if (stall > Counters.LongestStall) Counters.LongestStall = stall;
        _lastProgress = now;
        long flight = _sndMax - _sndUna;
        if (_congestion.InRecovery)
        {
            if (Lt(ack, _congestion.Recover))
            {
                _congestion.OnPartialAck(acked);
                RetransmitFirst();
            }
            else
            {
                _congestion.ExitRecovery(flight);
                _duplicateAcks = 0;
            }
        }
        else
        {
            _duplicateAcks = 0;
            _congestion.OnAck(acked);
        }
        if (Lt(_sndNxt, _sndUna)) _sndNxt = _sndUna; // data the peer held from before a go-back-N
        // RFC 6298 sec 5.2, 5.3: stop the timer when all is acknowledged, else restart it.
        if (_sndUna == _sndMax) _retransmitTimer.Cancel();
        else _retransmitTimer.Schedule(_rtt.Rto);
        if (acked > 0) Sendable?.Invoke(this);
    }

    private void OnDuplicateAck()
    {
        Counters.DupAcksReceived++;
        if (_congestion.InRecovery)
        {
            _congestion.OnDuplicateInRecovery();
            return;
        }
        if (++_duplicateAcks != 3) return;
        // RFC 6582 sec 3.2 step 2: only when the ACK covers more than the last recovery's "recover".
        // Recover is one past the highest byte sent when the last recovery or timeout began.
        if (Lt(_sndUna, _congestion.Recover)) return;
        Counters.FastRetransmits++;
        _congestion.EnterRecovery(_sndMax - _sndUna, _sndMax);
        _timing = false;
        RetransmitFirst();
    }

    /// <summary>Moves SND.UNA to <paramref name="ack"/>, dropping acknowledged data; returns the data bytes acknowledged.</summary>
    private int AcknowledgeUpTo(uint ack)
    {
        uint to = Min(ack, DataEnd);
        int acked = Gt(to, _sendBase) ? (int)(to - _sendBase) : 0;
        _send.Consume(acked);
        _sendBase += (uint)acked;
        _sndUna = ack;
        if (Lt(_sndNxt, ack)) _sndNxt = ack;
        return acked;
    }

    private void Establish()
    {
        State = _closeRequested ? TcpState.FinWait1 : TcpState.Established;
        _lastProgress = _stack.Time.GetUtcNow();
        _stack.OnEstablished(this);
        Connected?.Invoke(this);
    }

    private void OnData(uint seq, ReadOnlySpan<byte> payload)
    {
        uint next = _receive.Next;
        if (Lt(seq, next))
        {
            payload = payload[(int)(next - seq)..];
            seq = next;
        }
        int room = (int)(_receive.RightEdge - seq);
        if (payload.Length > room) payload = payload[..Math.Max(room, 0)];
        bool hadGap = _receive.HasOutOfOrder;
        int delivered = _receive.Store(seq, payload);
        if (seq != next)
        {
            if (delivered == 0) Counters.OutOfOrderSegments++;
            _ackNow = true; // RFC 5681 sec 4.2: an out-of-order segment is acknowledged at once (a duplicate ACK)
            return;
        }
        if (delivered <= 0) return;
        Counters.BytesDelivered += delivered;
        if (hadGap || !Options.DelayedAck || ++_unackedSegments >= 2) _ackNow = true;
        else if (!_delayedAckTimer.IsArmed) _delayedAckTimer.Schedule(Options.DelayedAckTimeout);
        Received?.Invoke(this);
    }

    private void OnPeerFin()
    {
        _finReceived = true; // the FIN takes one sequence number and no buffer room
        _ackNow = true;
        switch (State)
        {
            case TcpState.SynReceived:
            case TcpState.Established:
                State = TcpState.CloseWait;
                break;
            case TcpState.FinWait1:
                if (_closeRequested && _sndUna == FinSequence + 1) EnterTimeWait();
                else State = TcpState.Closing;
                break;
            case TcpState.FinWait2:
                EnterTimeWait();
                break;
        }
        Received?.Invoke(this);
    }

    private void EnterTimeWait()
    {
        State = TcpState.TimeWait;
        _retransmitTimer.Cancel();
        _timeWaitTimer.Schedule(Options.TimeWait);
    }
}
