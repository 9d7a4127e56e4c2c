using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.Engine;

/// <summary>How the source engine finds the pages to send again.</summary>
public enum DirtyTracking
{
    /// <summary>The guest's writes mark the image's <see cref="DirtyLog"/> (a workload in this process).</summary>
    Log,

    /// <summary>
    /// Before each round, every page whose contents differ from what was last sent is marked (a guest another process
    /// runs, whose writes mark nothing); the last scan runs with the VM paused and is a part of the downtime.
    /// </summary>
    Compare,
}
