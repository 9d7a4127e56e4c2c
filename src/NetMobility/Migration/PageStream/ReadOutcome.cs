namespace NetMobility.Migration.PageStream;

/// <summary>
/// How a <see cref="RecordReader"/> run ended: <see cref="Error"/> is None when the handler said it was done,
/// otherwise it names the problem and where it was found (the record's index from 0 and its stream offset).
/// </summary>
public readonly record struct ReadOutcome(PageStreamError Error, long RecordsAccepted, long Offset, RecordType? FailedType)
{
    public bool Succeeded => Error == PageStreamError.None;

    /// <summary>One line for logs and error records: "bad record checksum in record 5 (PageBatch) at offset 8192".</summary>
    public override string ToString() => Succeeded
        ? $"ok after {RecordsAccepted} records"
        : $"{Error.Describe()} in record {RecordsAccepted}{(FailedType is { } t ? $" ({t})" : "")} at offset {Offset}";
}
