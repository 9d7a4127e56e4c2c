namespace NetMobility.Tunnels;

/// <summary>
/// A minimal encapsulation tunnel (RFC 2004). There is no outer header to fill: the original header is
/// rewritten, keeping its TTL and TOS, and an 8- or 12-byte forwarding header follows it.
/// </summary>
public sealed record MinimalEncapsulationOptions : TunnelOptions
{
    /// <summary>
    /// The forwarding header with the original source present (12 bytes). A packet this endpoint originates
    /// itself needs only 8, but one MTU for every packet keeps ICMP fragmentation-needed reports stable.
    /// </summary>
    public override int Overhead => 12;
}
