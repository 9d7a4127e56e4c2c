using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Engine;

/// <summary>
/// What a <see cref="ReceiverChannel"/> needs of the destination it serves, and all it may do to it: read the
/// settings, find (or start) the session a stream header names, and refuse the stream. The channel never sees
/// the destination that owns it.
/// </summary>
internal interface IReceiverHost
{
    DestinationOptions Options { get; }
    /// <summary>The migration has been committed here or refused: the channels stop.</summary>
    bool IsFinished { get; }

    /// <summary>The session a header belongs to, created by the first header of a new migration; null with the error and its reason otherwise.</summary>
    ReceiverSession? Session(in StreamHeader header, out PageStreamError error, out string? problem);
    /// <summary>Refuses the stream: the session is dropped and the VM stays at the source.</summary>
    void Reject(PageStreamError error, string message);
    /// <summary>Refuses the stream when verifying it: the refusal is kept for the source, which may resume to hear it.</summary>
    void RejectVerified(PageStreamError error, string message);
    /// <summary>The refusal a resumed header of the refused migration is answered with; null for any other header.</summary>
    ErrorRecord? Refusal(in StreamHeader header);
    /// <summary>The refusal kept has been written to a connection still open.</summary>
    void RefusalSent();
}
