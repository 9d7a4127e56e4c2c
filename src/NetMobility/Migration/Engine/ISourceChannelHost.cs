using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;

namespace NetMobility.Migration.Engine;

/// <summary>
/// What a <see cref="SourceChannel"/> needs of the migration it serves, and all it may do to it: read the image and
/// the settings, keep the digest table, open connections, put pages back for the next round, and report the
/// destination's refusal. The channel never sees the engine that owns it.
/// </summary>
internal interface ISourceChannelHost
{
    MemoryImage Image { get; }
    SourceOptions Options { get; }
    TimeProvider Clock { get; }
    /// <summary>The resume token every channel's stream header carries.</summary>
    Guid Token { get; }
    IChannelConnector Connector { get; }
    /// <summary>The image digest as the destination should hold it, kept page by page as the channels encode.</summary>
    PageDigestTable Digests { get; }
    /// <summary>The VM has been released: the channels stop reading replies (the main one after resumed).</summary>
    bool Finished { get; }
    /// <summary>What the destination said when it refused the stream, if it did.</summary>
    Exception? Failure { get; }

    /// <summary>Puts a page back to be sent in the next round (its last send may not have arrived).</summary>
    void SendAgain(int pageNumber);
    /// <summary>The destination refused the stream: the migration fails with <paramref name="failure"/>.</summary>
    void Fail(Exception failure);
    /// <summary>Lets the guest do the writes due up to now (virtual time).</summary>
    void CatchUpWorkload();
    /// <summary>Whether the live pass leaves <paramref name="pageNumber"/> out (the policy skips pages written again since the pass began).</summary>
    bool Skips(int pageNumber);
    /// <summary>
    /// A batch went out, after the channel went through <paramref name="pagesVisited"/> pages of the pass: true when the
    /// policy's check after a batch says the pass ends now (the channel puts the rest of its pages back).
    /// </summary>
    bool AfterBatch(long pagesVisited);
}
