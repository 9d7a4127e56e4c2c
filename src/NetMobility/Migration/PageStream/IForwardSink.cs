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
    /// <summary>A chunk of the device state, in order: on each connection the first starts at 0, each next where the last ended.</summary>
    PageStreamError OnDeviceState(DeviceStateChunk chunk);
    PageStreamError OnEndOfStream(in EndOfStream record);
    PageStreamError OnCommit();
    /// <summary>The source gave the migration up (sec 3.8); the answer ends the stream, <see cref="PageStreamError.Cancelled"/> unless the sink says otherwise.</summary>
    PageStreamError OnAbort(in ErrorRecord record) => PageStreamError.Cancelled;
    /// <summary>True once the sink needs no more records on this channel.</summary>
    bool Done { get; }
    ValueTask AfterRecordsAsync(CancellationToken cancellationToken);
}
