using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>
/// One route: packets for <see cref="Destination"/> leave through <see cref="Interface"/>, to
/// <see cref="Gateway"/> or, for an on-link route (gateway unspecified), straight to their destination.
/// </summary>
public sealed record Route(Ipv4Prefix Destination, NetInterface Interface, Ipv4Address Gateway)
{
    public bool IsOnLink => Gateway.IsUnspecified;

    /// <summary>The neighbour a packet for <paramref name="destination"/> is handed to.</summary>
    public Ipv4Address NextHop(Ipv4Address destination) => IsOnLink ? destination : Gateway;

    public override string ToString() =>
        IsOnLink ? $"{Destination} dev {Interface.Name}" : $"{Destination} via {Gateway} dev {Interface.Name}";
}
