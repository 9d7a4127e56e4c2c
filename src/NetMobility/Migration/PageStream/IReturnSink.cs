namespace NetMobility.Migration.PageStream;

/// <summary>The source's side of the destination -> source records, called by <see cref="ReturnStreamHandler"/>.</summary>
public interface IReturnSink
{
    PageStreamError OnAck(in Ack record);
    PageStreamError OnReady(in Ready record);
    PageStreamError OnResumed(in Resumed record);
    /// <summary>The destination gave up; the answer stops the reader (usually <see cref="PageStreamError.PeerError"/>).</summary>
    PageStreamError OnError(in ErrorRecord record);
    bool Done { get; }
}
