namespace NetMobility.Mobility.Registration;

/// <summary>How a mobility security association keeps registrations from being replayed (RFC 5944 sec 5.7).</summary>
public enum ReplayProtection
{
    /// <summary>
    /// Identification is the sender's time of day (RFC 5944 sec 5.7.1), close to the receiver's within a
    /// tolerance and greater than the last one accepted. Every implementation supports it.
    /// </summary>
    Timestamps,
    /// <summary>
    /// Identification holds the home agent's last nonce in the high-order 32 bits and the mobile node's own
    /// in the low-order 32 bits (RFC 5944 sec 5.7.2); each reply hands out the next home agent nonce.
    /// </summary>
    Nonces,
}
