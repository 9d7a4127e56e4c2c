namespace NetMobility.Lab.Site;

/// <summary>What runs in the guest while it migrates.</summary>
public enum LabWorkload
{
    /// <summary>Nothing beyond the correspondent's traffic.</summary>
    Idle,

    /// <summary>The guest rewrites part of its RAM with random bytes every second (its memory writer).</summary>
    Memory,

    /// <summary>The correspondent's HTTP requests back to back instead of paced.</summary>
    Http,
}
