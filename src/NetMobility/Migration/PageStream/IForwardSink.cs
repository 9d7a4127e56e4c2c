namespace NetMobility.Migration.PageStream;

/// <summary>
/// The destination's side of the source -> destination records, called by <see cref="ForwardStreamHandler"/>
/// only with records that parsed and came in an allowed order. A non-None answer stops the stream.
/// </summary>
public interface IForwardSink
{
    PageStreamError OnHeader(in StreamHeader header, ForwardStreamHandler stream);
    PageStreamError OnBatch(PageBatch batch);
    PageStreamError OnEndOfRound(in EndOfRound record);
    PageStreamError OnDeviceState(ReadOnlySpan<byte> state);
    PageStreamError OnEndOfStream(in EndOfStream record);
    PageStreamError OnCommit();
    /// <summary>True once the sink needs no more records on this channel.</summary>
    bool Done { get; }
    ValueTask AfterRecordsAsync(CancellationToken cancellationToken);
}
