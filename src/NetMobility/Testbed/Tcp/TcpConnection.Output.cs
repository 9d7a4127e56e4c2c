using NetMobility.Wire;
using static NetMobility.Testbed.Tcp.SequenceNumber;

namespace NetMobility.Testbed.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>One past the last byte written: where the FIN goes once the application closes.</summary>
    private uint DataEnd => _sendBase + (uint)_send.Length;

    private uint FinSequence => DataEnd;

    /// <summary>
    /// Sends what the state, the windows and the buffers allow: the SYN, new data up to the smaller of the
    /// peer's window and the congestion window, the FIN, and an ACK when one is owed and nothing else carried it.
    /// </summary>
    private void Output()
    {
        switch (State)
        {
            case TcpState.Closed or TcpState.Listen:
                return;
            case TcpState.TimeWait:
                if (_ackNow) SendAck();
                return;
            case TcpState.SynSent or TcpState.SynReceived:
                if (_sndNxt == _iss) SendSyn();
                return;
        }
        bool sent = false;
        while (true)
        {
            uint dataEnd = DataEnd;
            long flight = _sndNxt - _sndUna;
            if (Lt(_sndNxt, dataEnd))
            {
                int pending = (int)(dataEnd - _sndNxt);
                long usable = Math.Min(_sndWnd, _congestion.Window) - flight;
                // RFC 9293 sec 3.8.6.1: with a zero window and nothing in flight, probe with one byte; the RTO repeats it.
                if (usable <= 0 && _sndWnd == 0 && flight == 0) usable = 1;
                if (usable <= 0) break;
                int length = (int)Math.Min(Math.Min(pending, SendMss), usable);
                // Sender silly-window avoidance (RFC 9293 sec 3.8.6.2.1): no small segment while data is in flight.
                if (length < pending && length < SendMss && flight > 0) break;
                bool fin = _closeRequested && length == pending;
                var flags = TcpFlags.Ack | (length == pending ? TcpFlags.Psh : 0) | (fin ? TcpFlags.Fin : 0);
                EmitSegment(_sndNxt, length, flags);
                _sndNxt += (uint)length + (fin ? 1u : 0u);
                _sndMax = Max(_sndMax, _sndNxt);
                sent = true;
                continue;
            }
            if (_closeRequested && _sndNxt == dataEnd)
            {
                EmitSegment(_sndNxt, 0, TcpFlags.Ack | TcpFlags.Fin);
                _sndNxt++;
                _sndMax = Max(_sndMax, _sndNxt);
                sent = true;
            }
            break;
        }
        if (_ackNow && !sent) SendAck();
    }

    private void SendSyn()
    {
        EmitSegment(_iss, 0, State == TcpState.SynReceived ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.Syn);
        _sndNxt = _iss + 1;
        _sndMax = Max(_sndMax, _sndNxt);
    }

    private void RetransmitSyn()
    {
        _sndNxt = _iss;
        Output();
    }

    /// <summary>Sends the oldest unacknowledged segment again (fast retransmit, partial ACK), leaving SND.NXT where it is.</summary>
    private void RetransmitFirst()
    {
        uint dataEnd = DataEnd;
        int length = Lt(_sndUna, dataEnd) ? (int)Math.Min(dataEnd - _sndUna, (uint)SendMss) : 0;
        bool fin = _closeRequested && _sndUna + (uint)length == dataEnd;
        if (length == 0 && !fin) return;
        EmitSegment(_sndUna, length, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0));
        uint end = _sndUna + (uint)length + (fin ? 1u : 0u);
        if (Lt(_sndNxt, end)) _sndNxt = end;
    }

    private void SendAck()
    {
        if (State is TcpState.Closed or TcpState.Listen or TcpState.SynSent) return;
        EmitSegment(_sndNxt, 0, TcpFlags.Ack);
    }

    /// <summary>True after a read that opened a window the peer had seen small (receiver silly-window avoidance, RFC 9293 sec 3.8.6.2.2).</summary>
    private bool WindowUpdateDue()
    {
        long advertised = (int)(_lastAdvertisedEdge - RcvNxt);
        long grown = (int)(_receive.RightEdge - _lastAdvertisedEdge);
        return advertised < _receive.Capacity / 2 && grown >= Math.Min(_receive.Capacity / 2, 2 * _ourMss);
    }

    /// <summary>
    /// Builds and sends one segment starting at <paramref name="sequence"/> with <paramref name="length"/> bytes of
    /// the send buffer; arms the retransmission timer and times the segment when it is new (Karn's rule).
    /// </summary>
    private void EmitSegment(uint sequence, int length, TcpFlags flags)
    {
        var now = _stack.Time.GetUtcNow();
        bool occupies = length > 0 || (flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0;
        bool retransmission = occupies && Lt(sequence, _sndMax);
        Counters.SegmentsSent++;
        if (retransmission) Counters.SegmentsRetransmitted++;
        if (occupies && (flags & TcpFlags.Rst) == 0)
        {
            if (_sndUna == _sndMax) _lastProgress = now; // data goes out with none outstanding: a stall can start here
            if (!_retransmitTimer.IsArmed) _retransmitTimer.Schedule(_rtt.Rto);
            if (!retransmission && !_timing)
            {
                _timing = true;
                _timedSequence = sequence + (uint)length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
                _timedAt = now;
            }
            if (retransmission) _timing = false;
        }

        Span<byte> optionBuffer = stackalloc byte[OptionBytes.MaxLength];
        OptionBytes options = default;
        ushort window;
        if ((flags & TcpFlags.Syn) != 0)
        {
            var writer = new TcpOptionWriter(optionBuffer);
            writer.AddMaxSegmentSize((ushort)_ourMss);
            // RFC 7323 sec 2.2: offered in the SYN, and in the SYN-ACK only when the SYN offered it.
            if (Options.WindowScaling && (State == TcpState.SynSent || _peerOffersScaling))
            {
                writer.AddNoOperation();
                writer.AddWindowScale((byte)_rcvShift);
            }
            options = writer.ToOptionBytes();
            window = (ushort)Math.Min(_receive.Capacity, ushort.MaxValue); // a SYN's window is never scaled
        }
        else
        {
            window = (ushort)Math.Min(Math.Max(_receive.Window, 0) >> _rcvShift, ushort.MaxValue);
        }
        uint ack = 0;
        if ((flags & TcpFlags.Ack) != 0)
        {
            ack = RcvNxt;
            _ackNow = false;
            _unackedSegments = 0;
            _delayedAckTimer.Cancel();
            if ((flags & TcpFlags.Syn) == 0) _lastAdvertisedEdge = RcvNxt + ((uint)window << _rcvShift);
        }
        var header = new TcpHeader(LocalPort, RemotePort, sequence, ack, flags, window, length, Options: options);
        var segment = _stack.SegmentBuffer(header.BufferLength);
        if (length > 0) _send.CopyTo((int)(sequence - _sendBase), segment[header.Length..]);
        header.Emit(segment, LocalAddress, RemoteAddress);
        _stack.Transmit(Key, segment);
    }
}
