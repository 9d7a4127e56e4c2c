using System.IO.Pipelines;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;

namespace NetMobility.Migration.Relay;

/// <summary>
/// The receiving end of the hypervisor stream relay (docs/page-stream.md sec 9): takes the sender's connection,
/// checks every record (frame, CRC, header and token, each chunk exactly at the next offset), writes the octets to
/// the destination hypervisor (QEMU's incoming Unix socket) and acknowledges them once written there. A connection
/// that drops keeps the session: the sender comes back with the token and this end answers where it stands. Anything
/// else that is wrong ends the relay with an error record to the sender and a one-line exception here.
/// </summary>
public sealed class HypervisorStreamReceiver(RelayOptions? options = null)
{
    private readonly RelayOptions _options = options ?? new RelayOptions();

    /// <summary>Relays one stream into <paramref name="hypervisor"/> (flushed, not completed: the caller closes it).</summary>
    public async Task<RelayReceived> ReceiveAsync(IChannelListener listener, PipeWriter hypervisor, CancellationToken cancellationToken)
    {
        var handler = new RelayForwardHandler(hypervisor);
        int connections = 0;
        string lost = "";
        while (true)
        {
            IMigrationChannel channel;
            using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (connections > 0) bound.CancelAfter(_options.ResumeTimeout);
                try
                {
                    channel = await listener.AcceptAsync(bound.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new HypervisorStreamRelayException(
                        $"hypervisor stream relay: the connection was lost ({lost}) and the source did not come back within {_options.ResumeTimeout.TotalSeconds:0.###} s, after {handler.Received} octets");
                }
                catch (IOException ex)
                {
                    throw new HypervisorStreamRelayException($"hypervisor stream relay: {ex.Message}");
                }
            }
            connections++;
            await using (channel.ConfigureAwait(false))
            {
                handler.Attach(channel.Output);
                using var reader = new RecordReader(channel.Input);
                var outcome = await reader.RunAsync(handler, cancellationToken).ConfigureAwait(false);
                if (handler.HypervisorFailure is { } failure)
                    throw new HypervisorStreamRelayException($"hypervisor stream relay: the destination's hypervisor went away after {handler.Received} octets: {failure}");
                // The end acknowledged is the end, whatever the connection does after it.
                if (outcome.Succeeded || handler.Done) return new RelayReceived(handler.Received, connections);
                if (outcome.Error is PageStreamError.ConnectionLost or PageStreamError.Truncated)
                {
                    lost = $"{channel.Peer}: {outcome}";
                    continue;
                }
                await TellAsync(channel, new ErrorRecord(outcome.Error, outcome.ToString())).ConfigureAwait(false);
                throw new HypervisorStreamRelayException($"hypervisor stream relay: {outcome} from {channel.Peer}");
            }
        }
    }

    /// <summary>
    /// Sends the sender an error record, as far as the connection lets it within a second, then reads (and drops) what
    /// still comes until the sender closes: a socket closed with unread octets in it is reset, and the reset would
    /// overtake the error record.
    /// </summary>
    private static async Task TellAsync(IMigrationChannel channel, ErrorRecord error)
    {
        var record = new byte[RecordFrame.HeaderLength + error.Length];
        int length = error.Emit(record.AsSpan(RecordFrame.HeaderLength));
        RecordFrame.Emit(record, RecordType.Error, record.AsSpan(RecordFrame.HeaderLength, length));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await channel.Output.WriteAsync(record.AsMemory(0, RecordFrame.HeaderLength + length), bound.Token).ConfigureAwait(false);
            while (true)
            {
                var read = await channel.Input.ReadAsync(bound.Token).ConfigureAwait(false);
                channel.Input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The sender is gone or not reading: the relay ends here anyway.
        }
    }
}

/// <summary>What the receiver relayed: the octets delivered to the hypervisor and the connections it took.</summary>
public sealed record RelayReceived(long StreamBytes, int Connections);
