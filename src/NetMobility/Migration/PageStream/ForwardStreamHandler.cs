namespace NetMobility.Migration.PageStream;

/// <summary>
/// Order and field checks for one channel of the source -> destination stream (docs/page-stream.md sec 5):
/// the stream header first and once; batch sequence numbers consecutive; round numbers never going back
/// and no batch for a round already ended; end of round carrying the count of pages this channel sent in
/// it; device-state chunks consecutive from offset 0, of one total within the bound, and whole by end of stream;
/// end of stream after the last round ended; commit only after end of stream. Records that pass go to the
/// <see cref="IForwardSink"/>; a packed batch is inflated (into a buffer allocated as large as the largest batch
/// seen) and goes on as the page batch it stands for.
/// </summary>
/// <param name="maxPayloadLength">The frame limit, which also bounds the page batch a packed batch stands for.</param>
/// <param name="maxDeviceStateLength">The largest device state (all its chunks) this end takes (sec 3.4).</param>
public sealed class ForwardStreamHandler(IForwardSink sink, int maxPayloadLength = RecordFrame.MaxPayloadLength,
    long maxDeviceStateLength = ForwardStreamHandler.DefaultMaxDeviceStateLength) : IRecordHandler
{
    /// <summary>The largest device state a destination takes unless told otherwise: 64 MiB (sec 3.4).</summary>
    public const long DefaultMaxDeviceStateLength = 64L << 20;

    private int _pageCount;
    private bool _headerSeen, _endOfStreamSeen, _commitSeen;
    // The device state on this connection: its total once the first chunk came (-1 before), and the octets received.
    private long _deviceStateTotal = -1, _deviceStateReceived;
    private ulong _nextSequence = 1;
    private uint _round;
    private uint _lastEndedRound;
    private uint _pagesInRound;
    private byte[]? _unpacked;

    public StreamHeader Header { get; private set; }

    /// <summary>The sequence number of the last batch accepted on this channel (0 before any).</summary>
    public ulong LastSequence => _nextSequence - 1;

    /// <summary>The highest round number seen on this channel, ended or not.</summary>
    public uint HighestRound => Math.Max(_round, _lastEndedRound);

    public bool Done => sink.Done;

    /// <summary>
    /// Called by the sink from <see cref="IForwardSink.OnHeader"/> when a resumed connection continues a
    /// session: batches go on after <paramref name="appliedSequence"/>, in rounds after <paramref name="highestRound"/>.
    /// </summary>
    public void ContinueFrom(ulong appliedSequence, uint highestRound)
    {
        _nextSequence = appliedSequence + 1;
        _round = highestRound;
        _lastEndedRound = highestRound;
        _pagesInRound = 0;
    }

    public PageStreamError Handle(RecordType type, ReadOnlySpan<byte> payload)
    {
        if (!RecordTypes.IsForward(type)) return PageStreamError.UnknownType;
        if (type == RecordType.StreamHeader) return OnHeader(payload);
        if (!_headerSeen) return PageStreamError.OutOfOrder;
        if (type == RecordType.Abort)
        {
            // Any time before commit: the VM has not left the source.
            if (_commitSeen) return PageStreamError.OutOfOrder;
            return ErrorRecord.TryParse(payload, out var abort, out var error) ? sink.OnAbort(abort) : error;
        }
        if (type == RecordType.Commit)
        {
            if (!_endOfStreamSeen || _commitSeen) return PageStreamError.OutOfOrder;
            if (!payload.IsEmpty) return PageStreamError.BadLength;
            _commitSeen = true;
            return sink.OnCommit();
        }
        if (_endOfStreamSeen) return PageStreamError.OutOfOrder;
        return type switch
        {
            RecordType.PageBatch => OnBatch(payload),
            RecordType.PackedBatch => OnPackedBatch(payload),
            RecordType.EndOfRound => OnEndOfRound(payload),
            RecordType.DeviceState => OnDeviceState(payload),
            _ => OnEndOfStream(payload),
        };
    }

    private PageStreamError OnHeader(ReadOnlySpan<byte> payload)
    {
        if (_headerSeen) return PageStreamError.OutOfOrder;
        if (!StreamHeader.TryParse(payload, out var header, out var error)) return error;
        _headerSeen = true;
        Header = header;
        _pageCount = (int)Math.Min(header.PageCount, int.MaxValue);
        return sink.OnHeader(header, this);
    }

    private PageStreamError OnBatch(ReadOnlySpan<byte> payload) =>
        PageBatch.TryCreate(payload, _pageCount, out var batch, out var error) ? Accept(batch) : error;

    private PageStreamError OnPackedBatch(ReadOnlySpan<byte> payload)
    {
        if (!PackedBatch.TryCreate(payload, maxPayloadLength, out var packed, out var error)) return error;
        // Grown to the largest batch seen, at most the frame limit (TryCreate checked it).
        if (_unpacked is null || _unpacked.Length < packed.UnpackedLength) _unpacked = new byte[packed.UnpackedLength];
        if (!packed.TryUnpack(_unpacked, _pageCount, out var batch, out error, out var reason))
        {
            LastReason = reason;
            return error;
        }
        return Accept(batch);
    }

    /// <summary>The compressor's own words for the last packed batch that did not inflate, for the error record.</summary>
    public string? LastReason { get; private set; }

    private PageStreamError Accept(PageBatch batch)
    {
        PageStreamError error;
        if (batch.Sequence != _nextSequence) return PageStreamError.OutOfOrder;
        uint round = batch.Round;
        if (round == 0 || round <= _lastEndedRound || round < _round) return PageStreamError.OutOfOrder;
        if (round > _round)
        {
            _round = round;
            _pagesInRound = 0;
        }
        error = sink.OnBatch(batch);
        if (error != PageStreamError.None) return error;
        _nextSequence++;
        _pagesInRound += (uint)batch.Count;
        return PageStreamError.None;
    }

    private PageStreamError OnEndOfRound(ReadOnlySpan<byte> payload)
    {
        if (!EndOfRound.TryParse(payload, out var record, out var error)) return error;
        if (record.Round <= _lastEndedRound || record.Round < _round) return PageStreamError.OutOfOrder;
        // A channel may have sent nothing in a round: then its count is 0.
        uint expected = record.Round == _round ? _pagesInRound : 0;
        if (record.PagesInRound != expected) return PageStreamError.BadLength;
        error = sink.OnEndOfRound(record);
        if (error != PageStreamError.None) return error;
        _lastEndedRound = record.Round;
        _round = record.Round;
        _pagesInRound = 0;
        return PageStreamError.None;
    }

    private PageStreamError OnDeviceState(ReadOnlySpan<byte> payload)
    {
        if (!DeviceStateChunk.TryParse(payload, out var chunk, out var error)) return error;
        if (_deviceStateTotal < 0)
        {
            // A connection's device state starts at 0: after a resume it comes again whole.
            if (chunk.Total > maxDeviceStateLength) return PageStreamError.DeviceStateOversize;
            if (chunk.Offset > 0) return PageStreamError.DeviceStateGap;
        }
        else
        {
            if (chunk.Total != _deviceStateTotal) return PageStreamError.BadLength;
            if (chunk.Offset > _deviceStateReceived) return PageStreamError.DeviceStateGap;
            if (chunk.Offset < _deviceStateReceived) return PageStreamError.DeviceStateOverlap;
        }
        error = sink.OnDeviceState(chunk);
        if (error != PageStreamError.None) return error;
        _deviceStateTotal = chunk.Total;
        _deviceStateReceived = chunk.End;
        return PageStreamError.None;
    }

    private PageStreamError OnEndOfStream(ReadOnlySpan<byte> payload)
    {
        if (!EndOfStream.TryParse(payload, out var record, out var error)) return error;
        // Every round must be closed, the last one included.
        if (record.FinalRound != _lastEndedRound || _round != _lastEndedRound) return PageStreamError.OutOfOrder;
        // A device state begun on this connection is whole before the stream ends.
        if (_deviceStateReceived < _deviceStateTotal) return PageStreamError.DeviceStateGap;
        error = sink.OnEndOfStream(record);
        if (error == PageStreamError.None) _endOfStreamSeen = true;
        return error;
    }

    public ValueTask AfterRecordsAsync(CancellationToken cancellationToken) => sink.AfterRecordsAsync(cancellationToken);
}
