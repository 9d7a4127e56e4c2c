namespace NetMobility.Migration.PageStream;

/// <summary>What a <see cref="RecordReader"/> hands each verified record to.</summary>
public interface IRecordHandler
{
    /// <summary>
    /// Handles one record whose frame and checksum verified. Returns <see cref="PageStreamError.None"/> to go
    /// on; any other value stops the reader with that error. The payload is valid only during the call.
    /// </summary>
    PageStreamError Handle(RecordType type, ReadOnlySpan<byte> payload);

    /// <summary>True once the handler expects no more records: the reader stops and reports success.</summary>
    bool Done { get; }

    /// <summary>Called after the records of one read are handled, outside the pipe's read: flush replies here.</summary>
    ValueTask AfterRecordsAsync(CancellationToken cancellationToken);
}
