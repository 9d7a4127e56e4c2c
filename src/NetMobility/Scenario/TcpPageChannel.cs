using System.IO.Pipelines;
using NetMobility.Migration.Transports;
using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;

namespace NetMobility.Scenario;

/// <summary>
/// One connection of a migration over the testbed's TCP: what the engine writes to <see cref="Output"/> goes into the
/// connection as its send buffer has room, what the connection delivers is written to <see cref="Input"/>. Both pipes
/// complete their waiters inline, so an engine that runs single-threaded runs on the network's event loop, between
/// its events, in its virtual time. The engine's writes are bounded by the pipe's pause threshold (backpressure from
/// the TCP send buffer); what comes in is bounded by the TCP receive window.
/// </summary>
internal sealed class TcpPageChannel : IMigrationChannel
{
    private static readonly PipeOptions OutOptions = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 512 << 10, useSynchronizationContext: false);
    private static readonly PipeOptions InOptions = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0, useSynchronizationContext: false);

    private readonly EventLoop _loop;
    private readonly Pipe _out = new(OutOptions), _in = new(InOptions);
    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly int _loopThread = Environment.CurrentManagedThreadId;
    private bool _pumpPosted, _outputDone, _inputDone;

    public TcpPageChannel(EventLoop loop, TcpConnection connection, string peer)
    {
        _loop = loop;
        Connection = connection;
        Peer = peer;
        Output = new PumpingWriter(_out.Writer, this);
        connection.Connected = _ => Pump();
        connection.Sendable = _ => Pump();
        connection.Received = _ => Receive();
        connection.Closed = _ => OnClosed();
    }

    public TcpConnection Connection { get; }
    public PipeReader Input => _in.Reader;
    public PipeWriter Output { get; }
    public string Peer { get; }

    public ValueTask DisposeAsync()
    {
        Output.Complete();
        _in.Reader.Complete();
        return ValueTask.CompletedTask;
    }

    /// <summary>The engine flushed: the pump runs on the loop, after the engine's step (never inside it).</summary>
    private void SchedulePump()
    {
        // The engine must step only where the network's events complete it: a step on another thread would race the loop.
        if (Environment.CurrentManagedThreadId != _loopThread)
            throw new InvalidOperationException("the migration engine wrote from a thread other than the network's loop; it must run single-threaded");
        if (_pumpPosted) return;
        _pumpPosted = true;
        _loop.Post(static s => ((TcpPageChannel)s!).Pump(), this);
    }

    /// <summary>Moves what the engine wrote into the connection while its send buffer has room; closes it after the last octet.</summary>
    private void Pump()
    {
        _pumpPosted = false;
        if (_outputDone || Connection.State is not (TcpState.Established or TcpState.CloseWait)) return;
        while (Connection.Writable > 0 && _out.Reader.TryRead(out var result))
        {
            var buffer = result.Buffer;
            long taken = 0;
            foreach (var segment in buffer)
            {
                int n = Connection.Write(segment.Span);
                taken += n;
                if (n < segment.Length) break;
            }
            bool all = taken == buffer.Length;
            // Advancing may resume the engine's flush, inline: it writes on, and its next flush posts the pump again.
            _out.Reader.AdvanceTo(buffer.GetPosition(taken));
            if (all && result.IsCompleted)
            {
                _outputDone = true;
                _out.Reader.Complete();
                Connection.Close();
                return;
            }
            if (!all || taken == 0) return;
        }
    }

    /// <summary>Hands what the connection delivered to the engine, which may run at once (inline) on it.</summary>
    private void Receive()
    {
        int read;
        while ((read = Connection.Read(_chunk)) > 0)
        {
            if (_inputDone) continue; // the engine stopped reading: the rest is discarded
            _chunk.AsSpan(0, read).CopyTo(_in.Writer.GetSpan(read));
            _in.Writer.Advance(read);
            var flush = _in.Writer.FlushAsync();
            if (flush.IsCompleted && flush.Result.IsCompleted) _inputDone = true;
        }
        if (Connection.PeerClosed && !_inputDone)
        {
            _inputDone = true;
            _in.Writer.Complete();
        }
    }

    /// <summary>The connection is gone: a reader waiting on it learns so, a cut one as a lost connection.</summary>
    private void OnClosed()
    {
        if (!_inputDone)
        {
            _inputDone = true;
            _in.Writer.Complete(Connection.CloseReason == TcpCloseReason.None ? null : new IOException($"{Peer}: the connection {Connection.CloseReason}"));
        }
        if (!_outputDone)
        {
            _outputDone = true;
            _out.Reader.Complete(new IOException($"{Peer}: the connection {Connection.CloseReason}"));
        }
    }

    /// <summary>The engine's writer: a flush also asks the pump to move the octets into the connection.</summary>
    private sealed class PumpingWriter(PipeWriter inner, TcpPageChannel channel) : PipeWriter
    {
        public override void Advance(int bytes) => inner.Advance(bytes);
        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            inner.Complete(exception);
            channel.SchedulePump();
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var flush = inner.FlushAsync(cancellationToken);
            channel.SchedulePump();
            return flush;
        }
    }
}
