namespace NetMobility.Migration.PageStream;

/// <summary>
/// Order and field checks for the destination -> source records of one channel (docs/page-stream.md sec 5):
/// acknowledged sequence numbers never go back, ready comes at most once, resumed at most once and after ready.
/// </summary>
public sealed class ReturnStreamHandler(IReturnSink sink) : IRecordHandler
{
    private ulong _acked;
    private bool _readySeen, _resumedSeen;

    public bool Done => sink.Done;

    public PageStreamError Handle(RecordType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case RecordType.Ack:
                {
                    if (!Ack.TryParse(payload, out var ack, out var error)) return error;
                    if (ack.AppliedSequence < _acked) return PageStreamError.OutOfOrder;
                    _acked = ack.AppliedSequence;
                    return sink.OnAck(ack);
                }
            case RecordType.Ready:
                {
                    if (_readySeen) return PageStreamError.OutOfOrder;
                    if (!Ready.TryParse(payload, out var ready, out var error)) return error;
                    _readySeen = true;
                    return sink.OnReady(ready);
                }
            case RecordType.Resumed:
                {
                    if (!_readySeen || _resumedSeen) return PageStreamError.OutOfOrder;
                    if (!Resumed.TryParse(payload, out var resumed, out var error)) return error;
                    _resumedSeen = true;
                    return sink.OnResumed(resumed);
                }
            case RecordType.Error:
                {
                    if (!ErrorRecord.TryParse(payload, out var record, out var error)) return error;
                    return sink.OnError(record);
                }
            default:
                return PageStreamError.UnknownType;
        }
    }

    public ValueTask AfterRecordsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
