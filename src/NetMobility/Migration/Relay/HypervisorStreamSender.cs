using System.IO.Pipelines;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;

namespace NetMobility.Migration.Relay;

/// <summary>
/// The sending end of the hypervisor stream relay (docs/page-stream.md sec 9): reads a hypervisor's migration stream
/// (QEMU's, from the Unix socket it migrates to) and sends it as chunks at their offsets over a connection of the
/// project's transports (TCP, mutual TLS, the in-memory link). Octets stay in a bounded window until the destination
/// acknowledges them; when the connection drops it reconnects, tells the destination the stream's token, and sends
/// again from the offset the destination answers with: nothing lost, nothing twice. Done when the destination has
/// acknowledged the whole stream, after the hypervisor closed its end.
/// </summary>
public sealed class HypervisorStreamSender(RelayOptions? options = null)
{
    /// <summary>What one flush carries at most: many chunks in one write, and still a prompt flush.</summary>
    private const int BurstBytes = 1 << 20;

    private readonly RelayOptions _options = options ?? new RelayOptions();

    public async Task<RelaySent> SendAsync(Stream hypervisor, IChannelConnector connector, CancellationToken cancellationToken)
    {
        var window = new UnackedWindow(_options.WindowBytes);
        var session = new Session(Guid.NewGuid());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Completes only if reading the hypervisor fails: its stream ending is not a reason to stop waiting for acks.
        var intakeFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var intake = TakeInAsync(hypervisor, window, intakeFailed, stop.Token);
        try
        {
            DateTimeOffset? lostAt = null;
            string lost = "";
            while (true)
            {
                IMigrationChannel channel;
                try
                {
                    channel = await connector.ConnectAsync(0, stop.Token).ConfigureAwait(false);
                }
                catch (IOException ex) when (lostAt is { } since && ex is not TlsRefusedException)
                {
                    if (_options.Clock.GetUtcNow() - since > _options.ResumeTimeout)
                        throw new HypervisorStreamRelayException($"hypervisor stream relay: the connection was lost ({lost}) and did not come back within {_options.ResumeTimeout.TotalSeconds:0.###} s: {ex.Message}");
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _options.Clock, stop.Token).ConfigureAwait(false);
                    continue;
                }
                catch (IOException ex)
                {
                    throw new HypervisorStreamRelayException($"hypervisor stream relay: {ex.Message}");
                }
                session.Connections++;
                string? loss;
                try
                {
                    loss = await RunConnectionAsync(channel, window, session, intakeFailed.Task, stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    await LetGoAsync(channel).ConfigureAwait(false);
                }
                if (loss is null)
                    return new RelaySent(session.MaxSent, session.WireBytes, session.Connections, session.Resent);
                lost = loss;
                lostAt = _options.Clock.GetUtcNow();
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await intake.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HypervisorStreamRelayException)
            {
                // Already reported, or the relay ended first.
            }
        }
    }

    /// <summary>
    /// Closes a connection, waiting at most a second: closing flushes what is buffered, and a peer that has stopped
    /// reading (it refused the stream) would hold that forever; the connection then goes when the peer closes its end.
    /// </summary>
    private static async Task LetGoAsync(IMigrationChannel channel)
    {
        channel.Output.CancelPendingFlush();
        try
        {
            await channel.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            // Nothing more is wanted from it.
        }
    }

    /// <summary>Reads the hypervisor's stream into the window whenever it has room; ends the input at the stream's end.</summary>
    private static async Task TakeInAsync(Stream hypervisor, UnackedWindow window, TaskCompletionSource failed, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (true)
        {
            var room = window.Acked.Next;
            var space = window.FreeSpace();
            if (space.IsEmpty)
            {
                await room.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            int read;
            try
            {
                read = await hypervisor.ReadAsync(space, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                var failure = new HypervisorStreamRelayException($"hypervisor stream relay: reading the hypervisor's stream failed after {window.Input.Taken} octets: {ex.Message}");
                failed.TrySetException(failure);
                throw failure;
            }
            if (read == 0)
            {
                window.EndInput();
                return;
            }
            window.Take(read);
        }
    }

    /// <summary>Carries the stream on one connection; null when the destination has acknowledged all of it, else why the connection was lost.</summary>
    private async Task<string?> RunConnectionAsync(IMigrationChannel channel, UnackedWindow window, Session session, Task intakeFailed, CancellationToken cancellationToken)
    {
        var returns = new RelayReturnHandler(window, () => Volatile.Read(ref session.MaxSent));
        using var reader = new RecordReader(channel.Input);
        var output = channel.Output;
        try
        {
            WriteHeader(output, new HypervisorStreamHeader(session.Token, Resume: session.Connections > 1), session);
            if (await Lost(output.FlushAsync(cancellationToken)).ConfigureAwait(false)) return $"{channel.Peer}: the connection closed";
        }
        catch (IOException ex) when (ex is not HypervisorStreamRelayException)
        {
            return $"{channel.Peer}: {ex.Message}";
        }
        var reading = reader.RunAsync(returns, cancellationToken).AsTask();
        await Task.WhenAny(returns.FirstAck, reading, intakeFailed, Task.Delay(_options.ResumeTimeout, _options.Clock, cancellationToken)).ConfigureAwait(false);
        if (!returns.FirstAck.IsCompleted)
        {
            if (reading.IsCompleted || intakeFailed.IsCompleted) return await Ended(reading, intakeFailed, returns, channel).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new HypervisorStreamRelayException($"hypervisor stream relay: {channel.Peer} did not answer the relay's header within {_options.ResumeTimeout.TotalSeconds:0.###} s");
        }
        long sent = returns.FirstAck.Result;

        // A flush that waits for room (the peer reads no more) must not hide an error record the peer sent back.
        async Task<string?> FlushAsync()
        {
            var flush = output.FlushAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(flush, reading, intakeFailed).ConfigureAwait(false) != flush)
            {
                output.CancelPendingFlush();
                try
                {
                    await flush.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException)
                {
                    // The connection is being given up either way.
                }
                return await Ended(reading, intakeFailed, returns, channel).ConfigureAwait(false);
            }
            var result = await flush.ConfigureAwait(false);
            return result.IsCanceled || result.IsCompleted ? $"{channel.Peer}: the connection closed" : null;
        }

        session.Resent += Math.Max(0, session.MaxSent - sent);
        bool endSent = false;
        try
        {
            while (true)
            {
                var wake = Task.WhenAny(window.Taken.Next, window.Acked.Next, reading, intakeFailed);
                var (taken, ended) = window.Input;
                if (sent < taken)
                {
                    for (int burst = 0; sent < taken && burst < BurstBytes;)
                    {
                        int written = WriteChunk(output, window, sent, session);
                        sent += written;
                        burst += written;
                        if (sent > session.MaxSent) Volatile.Write(ref session.MaxSent, sent);
                    }
                    if (await FlushAsync().ConfigureAwait(false) is { } lost) return lost;
                    continue;
                }
                if (ended && !endSent)
                {
                    WriteEnd(output, taken, session);
                    if (await FlushAsync().ConfigureAwait(false) is { } lost) return lost;
                    endSent = true;
                    continue;
                }
                if (endSent && window.AckedOffset == taken) return null;
                await wake.ConfigureAwait(false);
                if (reading.IsCompleted || intakeFailed.IsCompleted)
                    return await Ended(reading, intakeFailed, returns, channel).ConfigureAwait(false);
            }
        }
        catch (IOException ex) when (ex is not HypervisorStreamRelayException)
        {
            return $"{channel.Peer}: {ex.Message}";
        }
    }

    private static async ValueTask<bool> Lost(ValueTask<FlushResult> flush)
    {
        var result = await flush.ConfigureAwait(false);
        return result.IsCanceled || result.IsCompleted;
    }

    /// <summary>The return direction or the intake ended: a lost connection (its reason), or a failure that ends the relay.</summary>
    private static async Task<string?> Ended(Task<ReadOutcome> reading, Task intakeFailed, RelayReturnHandler returns, IMigrationChannel channel)
    {
        if (intakeFailed.IsFaulted) await intakeFailed.ConfigureAwait(false);
        var outcome = await reading.ConfigureAwait(false);
        if (returns.PeerError is { } refused)
            throw new HypervisorStreamRelayException($"hypervisor stream relay: {channel.Peer} refused the stream: {refused.Message}");
        if (outcome.Error is PageStreamError.ConnectionLost or PageStreamError.Truncated) return $"{channel.Peer}: {outcome}";
        throw new HypervisorStreamRelayException($"hypervisor stream relay: {outcome} from {channel.Peer}");
    }

    private static void WriteHeader(PipeWriter output, in HypervisorStreamHeader header, Session session)
    {
        var record = output.GetSpan(RecordFrame.HeaderLength + HypervisorStreamHeader.Length)[..(RecordFrame.HeaderLength + HypervisorStreamHeader.Length)];
        header.Emit(record[RecordFrame.HeaderLength..]);
        RecordFrame.Emit(record, RecordType.HypervisorStreamHeader, record[RecordFrame.HeaderLength..]);
        output.Advance(record.Length);
        session.WireBytes += record.Length;
    }

    /// <summary>Frames the window's octets from <paramref name="offset"/> (one piece, at most a chunk's worth) as a chunk; answers how many.</summary>
    private static int WriteChunk(PipeWriter output, UnackedWindow window, long offset, Session session)
    {
        var data = window.From(offset, HypervisorChunk.MaxData);
        int length = RecordFrame.HeaderLength + HypervisorChunk.HeaderLength + data.Length;
        var record = output.GetSpan(length)[..length];
        var payload = record[RecordFrame.HeaderLength..];
        HypervisorChunk.EmitHeader(payload, offset);
        data.CopyTo(payload[HypervisorChunk.HeaderLength..]);
        RecordFrame.Emit(record, RecordType.HypervisorChunk, payload);
        output.Advance(length);
        session.WireBytes += length;
        return data.Length;
    }

    private static void WriteEnd(PipeWriter output, long length, Session session)
    {
        var record = output.GetSpan(RecordFrame.HeaderLength + HypervisorStreamEnd.Length)[..(RecordFrame.HeaderLength + HypervisorStreamEnd.Length)];
        new HypervisorStreamEnd(length).Emit(record[RecordFrame.HeaderLength..]);
        RecordFrame.Emit(record, RecordType.HypervisorStreamEnd, record[RecordFrame.HeaderLength..]);
        output.Advance(record.Length);
        session.WireBytes += record.Length;
    }

    /// <summary>The relayed stream's state across its connections.</summary>
    private sealed class Session(Guid token)
    {
        public Guid Token { get; } = token;
        public int Connections;
        /// <summary>The offset just past the furthest octet ever sent: no ack may pass it.</summary>
        public long MaxSent;
        public long WireBytes;
        public long Resent;
    }
}

/// <summary>What the sender relayed: the stream's length, the octets it wrote on the wire (records included), the connections it took, and the octets sent again after resumes.</summary>
public sealed record RelaySent(long StreamBytes, long WireBytes, int Connections, long ResentBytes);
