using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.Engine;

/// <summary>A migration that could not complete; the source kept (or took back) the VM.</summary>
public class MigrationFailedException(PageStream.PageStreamError error, string message) : Exception(message)
{
    public PageStream.PageStreamError Error { get; } = error;
}
