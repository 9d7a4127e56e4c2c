namespace NetMobility.Net;

/// <summary>Called with one IPv4 datagram that arrived on an <see cref="IPacketLink"/>; valid only during the call.</summary>
public delegate void PacketReceiver(ReadOnlySpan<byte> packet);

/// <summary>
/// A point-to-point link that carries IPv4 datagrams with no link-layer header and no neighbour
/// resolution: a GRE or IP-in-IP tunnel, for one. A node adds it as an interface like an Ethernet link,
/// routes into it, and treats what it delivers as arriving on that interface (ingress filter, hooks,
/// forwarding, local delivery). Same contract as <see cref="Links.IFrameLink"/>: <see cref="Send"/> copies
/// before returning and never calls <see cref="Receiver"/> itself.
/// </summary>
public interface IPacketLink
{
    string Name { get; }

    /// <summary>The largest datagram the link carries whole.</summary>
    int Mtu { get; }

    bool IsUp { get; set; }

    PacketReceiver? Receiver { get; set; }

    bool Send(ReadOnlySpan<byte> packet);
}
