namespace NetMobility.Mobility;

/// <summary>Whether an agent offers reverse tunnelling (RFC 3024) and whether it insists on it.</summary>
public enum ReverseTunnelPolicy
{
    /// <summary>A request with the T bit set is denied (code 74 at a foreign agent, 137 at a home agent).</summary>
    Unavailable,
    /// <summary>Reverse tunnelling is done when the T bit asks for it.</summary>
    Available,
    /// <summary>A request without the T bit is denied (code 75 at a foreign agent, 138 at a home agent).</summary>
    Mandatory,
}
