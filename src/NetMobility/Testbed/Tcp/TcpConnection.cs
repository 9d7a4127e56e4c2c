using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Testbed.Tcp;

/// <summary>
/// One TCP connection of a <see cref="TcpStack"/> (RFC 9293): the state machine, a send buffer the peer
/// acknowledges, a receive buffer that reassembles out-of-order segments, the retransmission timer of
/// RFC 6298 and the congestion control of RFC 5681. It runs on the node's <see cref="EventLoop"/>: every
/// method is called there, and the callbacks run there.
/// </summary>
public sealed partial class TcpConnection
{
    private readonly TcpStack _stack;
    private readonly SendBuffer _send;
    private readonly ReceiveBuffer _receive;
    private readonly RttEstimator _rtt;
    private readonly CongestionControl _congestion;
    private readonly LoopTimer _retransmitTimer;
    private readonly LoopTimer _delayedAckTimer;
    private readonly LoopTimer _timeWaitTimer;

    // Send sequence variables (RFC 9293 sec 3.3.1); _sndMax is the highest sequence number sent so far.
    private uint _iss;
    private uint _sndUna;
    private uint _sndNxt;
    private uint _sndMax;
    private long _sndWnd;
    private uint _sndWl1;
    private uint _sndWl2;
    private int _sndShift;
    private int _rcvShift;
    private bool _peerOffersScaling;
    private int _peerMss = 536; // RFC 9293 sec 3.7.1: the default when the SYN has no MSS option
    private int _ourMss;

    private uint _sendBase; // sequence number of the send buffer's oldest byte
    private uint _irs;
    private uint _lastAdvertisedEdge;
    private int _unackedSegments;
    private bool _ackNow;
    private uint? _peerFin;
    private bool _finReceived;

    private bool _closeRequested;
    private int _duplicateAcks;
    private int _retransmissions;
    private bool _timing;
    private uint _timedSequence;
    private DateTimeOffset _timedAt;
    private DateTimeOffset _lastProgress;

    internal TcpConnection(TcpStack stack, ConnectionKey key, TcpEndpointOptions options, uint iss, int ourMss)
    {
        _stack = stack;
        Key = key;
        Options = options;
        _send = new SendBuffer(options.SendBufferSize);
        _receive = new ReceiveBuffer(options.ReceiveBufferSize);
        _rtt = new RttEstimator(options);
        _ourMss = ourMss;
        _congestion = new CongestionControl(ourMss, options.InitialWindowSegments, iss);
        _retransmitTimer = stack.CreateTimer(static s => ((TcpConnection)s!).OnRetransmitTimer(), this);
        _delayedAckTimer = stack.CreateTimer(static s => ((TcpConnection)s!).OnDelayedAckTimer(), this);
        _timeWaitTimer = stack.CreateTimer(static s => ((TcpConnection)s!).Terminate(TcpCloseReason.None), this);
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss;
        _sndMax = iss;
        _sendBase = iss + 1;
        _rcvShift = options.WindowScaling ? ScaleFor(options.ReceiveBufferSize) : 0;
    }

    internal ConnectionKey Key { get; }
    public TcpEndpointOptions Options { get; }
    public TcpState State { get; private set; }
    public TcpCloseReason CloseReason { get; private set; }
    public TcpCounters Counters { get; } = new();

    public Ipv4Address LocalAddress => Key.LocalAddress;
    public ushort LocalPort => Key.LocalPort;
    public Ipv4Address RemoteAddress => Key.RemoteAddress;
    public ushort RemotePort => Key.RemotePort;

    /// <summary>The segment size this end sends: the smaller of its path's and the peer's announced MSS.</summary>
    public int SendMss => Math.Min(_ourMss, _peerMss);

    /// <summary>The MSS this end announced in its SYN.</summary>
    public int AnnouncedMss => _ourMss;

    /// <summary>Window scale shifts in use (RFC 7323): what the peer's windows are shifted by, and ours.</summary>
    public (int Send, int Receive) WindowScale => (_sndShift, _rcvShift);

    public TimeSpan Rto => _rtt.Rto;
    public TimeSpan SmoothedRtt => _rtt.SmoothedRtt;
    public long CongestionWindow => _congestion.Window;
    public long SlowStartThreshold => _congestion.SlowStartThreshold;

    /// <summary>Bytes the peer sent in order that the application has not read.</summary>
    public int Readable => _receive.Readable;

    /// <summary>Room in the send buffer.</summary>
    public int Writable => _closeRequested ? 0 : _send.Free;

    /// <summary>Bytes written and not yet acknowledged.</summary>
    public int Unacknowledged => _send.Length;

    /// <summary>True once the peer's FIN has been reached in order: no more data will come.</summary>
    public bool PeerClosed => _finReceived;

    /// <summary>RCV.NXT: the next data byte expected, or one past the peer's FIN once that arrived.</summary>
    private uint RcvNxt => _finReceived ? _receive.Next + 1 : _receive.Next;

    /// <summary>The connection reached ESTABLISHED (a listener's connection is handed out then).</summary>
    public Action<TcpConnection>? Connected { get; set; }

    /// <summary>Data arrived in order, or the peer closed.</summary>
    public Action<TcpConnection>? Received { get; set; }

    /// <summary>The peer acknowledged data, so the send buffer has room.</summary>
    public Action<TcpConnection>? Sendable { get; set; }

    /// <summary>The connection reached CLOSED (see <see cref="CloseReason"/>).</summary>
    public Action<TcpConnection>? Closed { get; set; }

    /// <summary>Queues what fits of <paramref name="data"/> for sending; returns how many bytes were taken.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (_closeRequested || State is TcpState.Closed or TcpState.Listen or TcpState.TimeWait) return 0;
        int taken = _send.Write(data);
        if (taken > 0) Output();
        return taken;
    }

    /// <summary>Reads up to <paramref name="destination"/>.Length in-order bytes; opens the window as it frees room.</summary>
    public int Read(Span<byte> destination)
    {
        int count = _receive.Read(destination);
        if (State == TcpState.Closed)
        {
            if (_receive.Readable == 0) _receive.Dispose();
            return count;
        }
        if (count > 0 && IsSynchronized && WindowUpdateDue()) SendAck();
        return count;
    }

    /// <summary>
    /// Closes this direction: what was written is sent, then a FIN (RFC 9293 sec 3.10.4). Reading goes on
    /// until the peer closes too.
    /// </summary>
    public void Close()
    {
        switch (State)
        {
            case TcpState.SynSent:
                Terminate(TcpCloseReason.None);
                return;
            case TcpState.SynReceived:
            case TcpState.Established:
                _closeRequested = true;
                if (State == TcpState.Established) State = TcpState.FinWait1;
                break;
            case TcpState.CloseWait:
                _closeRequested = true;
                State = TcpState.LastAck;
                break;
            default:
                return;
        }
        Output();
    }

    /// <summary>Sends a reset and drops the connection at once (RFC 9293 sec 3.10.5).</summary>
    public void Abort()
    {
        if (State is TcpState.Closed) return;
        if (State is not (TcpState.SynSent or TcpState.TimeWait)) EmitSegment(_sndNxt, 0, TcpFlags.Rst | TcpFlags.Ack);
        Terminate(TcpCloseReason.Aborted);
    }

    /// <summary>The longest stall so far, counting one still going on.</summary>
    public TimeSpan CurrentLongestStall()
    {
        var longest = Counters.LongestStall;
        if (_sndUna != _sndMax && _stack.Time.GetUtcNow() - _lastProgress is var open && open > longest) longest = open;
        return longest;
    }

    private bool IsSynchronized => State is not (TcpState.Closed or TcpState.Listen or TcpState.SynSent);

    internal void OpenActive()
    {
        State = TcpState.SynSent;
        Output();
    }

    internal void OpenPassive(uint irs, TcpHeader syn)
    {
        State = TcpState.SynReceived;
        AcceptSyn(irs, syn);
        Output();
    }

    /// <summary>RFC 7323 sec 2.3: the smallest shift that lets a 16-bit window offer the whole buffer.</summary>
    private static int ScaleFor(int bufferSize)
    {
        int shift = 0;
        while (shift < 14 && (bufferSize >> shift) > ushort.MaxValue) shift++;
        return shift;
    }

    private void AcceptSyn(uint irs, TcpHeader syn)
    {
        _irs = irs;
        _receive.Start(irs + 1);
        if (syn.MaxSegmentSize is { } mss && mss > 0) _peerMss = mss;
        if (syn.WindowScale is { } shift && Options.WindowScaling)
        {
            _peerOffersScaling = true;
            _sndShift = Math.Min((int)shift, 14); // RFC 7323 sec 2.3
        }
        else
        {
            _sndShift = 0;
            _rcvShift = 0;
        }
        _congestion.SetMss(SendMss, Options.InitialWindowSegments);
    }

    /// <summary>Enters CLOSED: timers stop, buffers go back to the pool, the stack forgets the connection.</summary>
    private void Terminate(TcpCloseReason reason)
    {
        if (State == TcpState.Closed) return;
        State = TcpState.Closed;
        CloseReason = reason;
        _retransmitTimer.Dispose();
        _delayedAckTimer.Dispose();
        _timeWaitTimer.Dispose();
        _send.Dispose();
        if (_receive.Readable == 0) _receive.Dispose(); // else when the application has read the rest
        _stack.Remove(this);
        Closed?.Invoke(this);
    }
}
