using System.Buffers;
using System.IO.Pipelines;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Reads framed records from a <see cref="PipeReader"/> and hands each one, once its length is within the
/// frame limit and its CRC-32C verifies, to an <see cref="IRecordHandler"/>. Follows the Pipelines rules:
/// the 12-octet header is copied out of the sequence (it may straddle segments), the length is checked
/// against the frame limit before any payload is waited for, a record within one segment is handed over
/// in place and one split over segments is copied into a buffer rented once for the reader's life,
/// AdvanceTo(consumed, examined) runs in a finally with examined = end only when the next record is
/// incomplete, and IsCompleted is checked after parsing. Nothing of a record that fails a check reaches
/// the handler, and nothing after it is read.
/// </summary>
public sealed class RecordReader : IDisposable
{
    private readonly PipeReader _input;
    private readonly int _maxPayload;
    private byte[]? _scratch;
    private long _offset;
    private long _records;

    public RecordReader(PipeReader input, int maxPayloadLength = RecordFrame.MaxPayloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayloadLength, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPayloadLength, RecordFrame.MaxPayloadLength);
        _input = input;
        _maxPayload = maxPayloadLength;
    }

    /// <summary>Octets consumed so far (whole records only).</summary>
    public long BytesRead => _offset;

    /// <summary>
    /// Reads until the handler is done, a record fails, or the input ends. A transport that fails with an
    /// <see cref="IOException"/>, or a read cancelled with <see cref="PipeReader.CancelPendingRead"/>, ends
    /// the run as <see cref="PageStreamError.ConnectionLost"/>.
    /// </summary>
    public async ValueTask<ReadOutcome> RunAsync(IRecordHandler handler, CancellationToken cancellationToken = default)
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOutcome? outcome = Parse(result, handler);
                await handler.AfterRecordsAsync(cancellationToken).ConfigureAwait(false);
                if (outcome is { } end) return end;
            }
        }
        catch (IOException)
        {
            return Outcome(PageStreamError.ConnectionLost, null);
        }
    }

    private ReadOutcome? Parse(ReadResult result, IRecordHandler handler)
    {
        var buffer = result.Buffer;
        var consumed = buffer.Start;
        var examined = buffer.Start;
        try
        {
            while (true)
            {
                if (handler.Done) return Outcome(PageStreamError.None, null);
                var step = TryReadOne(ref buffer, handler, out var error, out var failedType);
                if (step == Step.Incomplete) break;
                if (step == Step.Failed) return Outcome(error, failedType);
                consumed = buffer.Start;
                examined = consumed;
            }
            // The next record is not all here: say so, so that ReadAsync waits for more octets.
            examined = buffer.End;
            if (handler.Done) return Outcome(PageStreamError.None, null);
            if (result.IsCompleted)
                return Outcome(buffer.IsEmpty ? PageStreamError.ConnectionLost : PageStreamError.Truncated, null);
            if (result.IsCanceled) return Outcome(PageStreamError.ConnectionLost, null);
            return null;
        }
        finally
        {
            _input.AdvanceTo(consumed, examined);
        }
    }

    private enum Step { Accepted, Incomplete, Failed }

    private Step TryReadOne(ref ReadOnlySequence<byte> buffer, IRecordHandler handler, out PageStreamError error, out RecordType? failedType)
    {
        failedType = null;
        error = PageStreamError.None;
        Span<byte> head = stackalloc byte[RecordFrame.HeaderLength];
        if (buffer.Length < RecordFrame.HeaderLength) return Step.Incomplete;
        buffer.Slice(0, RecordFrame.HeaderLength).CopyTo(head);
        if (!RecordFrame.TryParse(head, _maxPayload, out var frame, out _, out error)) return Step.Failed;
        failedType = frame.Type;
        long total = RecordFrame.HeaderLength + (long)frame.PayloadLength;
        if (buffer.Length < total) return Step.Incomplete;

        var record = buffer.Slice(0, total);
        ReadOnlySpan<byte> payload;
        if (record.IsSingleSegment)
        {
            payload = record.FirstSpan[RecordFrame.HeaderLength..];
        }
        else
        {
            _scratch ??= ArrayPool<byte>.Shared.Rent(RecordFrame.HeaderLength + _maxPayload);
            record.CopyTo(_scratch);
            payload = _scratch.AsSpan(RecordFrame.HeaderLength, frame.PayloadLength);
        }
        if (!frame.Verifies(payload))
        {
            error = PageStreamError.BadChecksum;
            return Step.Failed;
        }
        error = handler.Handle(frame.Type, payload);
        if (error != PageStreamError.None) return Step.Failed;
        buffer = buffer.Slice(total);
        _offset += total;
        _records++;
        return Step.Accepted;
    }

    private ReadOutcome Outcome(PageStreamError error, RecordType? failedType) => new(error, _records, _offset, failedType);

    public void Dispose()
    {
        if (_scratch is { } s) ArrayPool<byte>.Shared.Return(s);
        _scratch = null;
    }
}
