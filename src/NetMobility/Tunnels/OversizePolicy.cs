namespace NetMobility.Tunnels;

/// <summary>
/// What an endpoint does with an inner IPv4 packet that does not fit the tunnel MTU and has DF clear.
/// (A packet with DF set is always refused and its sender gets ICMP fragmentation-needed, RFC 1191.)
/// </summary>
public enum OversizePolicy
{
    /// <summary>
    /// Fragment the inner packet to the tunnel MTU (RFC 791 sec 3.2) and encapsulate each fragment, as an IP
    /// layer does in front of a lower-MTU interface; the final destination reassembles. The outer packets are
    /// never fragmented, so the far endpoint never has to reassemble.
    /// </summary>
    FragmentInner,
    /// <summary>Drop the packet and count it as <see cref="TunnelDropReason.TooBig"/>.</summary>
    Refuse,
}
