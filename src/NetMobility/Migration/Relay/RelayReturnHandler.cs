using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Relay;

/// <summary>
/// The sending end's handler of one connection's return records: acks that never go back and never pass what was
/// sent (they free the <see cref="UnackedWindow"/>), or an error record, which ends the relay with the peer's words.
/// </summary>
internal sealed class RelayReturnHandler(UnackedWindow window, Func<long> sentSoFar) : IRecordHandler
{
    private readonly TaskCompletionSource<long> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first ack on this connection: where the destination stands, so where sending resumes.</summary>
    public Task<long> FirstAck => _first.Task;

    /// <summary>The destination's error record, when it sent one.</summary>
    public ErrorRecord? PeerError { get; private set; }

    public bool Done => false;

    public PageStreamError Handle(RecordType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case RecordType.HypervisorAck:
                if (!HypervisorAck.TryParse(payload, out var ack, out var error)) return error;
                if (ack.Delivered > sentSoFar() || !window.Acknowledge(ack.Delivered)) return PageStreamError.OutOfOrder;
                _first.TrySetResult(ack.Delivered);
                return PageStreamError.None;
            case RecordType.Error:
                if (!ErrorRecord.TryParse(payload, out var record, out error)) return error;
                PeerError = record;
                return PageStreamError.PeerError;
            default:
                return PageStreamError.UnknownType;
        }
    }

    public ValueTask AfterRecordsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
