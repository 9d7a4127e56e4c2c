namespace NetMobility.Tunnels;

/// <summary>An IP-in-IP tunnel (RFC 2003; ip-tunnel(8) mode "ipip"): a 20-byte outer IPv4 header, nothing else.</summary>
public sealed record IpInIpTunnelOptions : IpTunnelOptions
{
    public override int Overhead => TunnelMtu.Ipv4HeaderLength;
}
