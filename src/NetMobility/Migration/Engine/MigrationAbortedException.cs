using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.Engine;

/// <summary>The source gave the migration up (<see cref="PreCopySource.Abort"/>) before the VM left it.</summary>
public sealed class MigrationAbortedException(string reason) : MigrationFailedException(PageStream.PageStreamError.Cancelled, $"cancelled: {reason}");
