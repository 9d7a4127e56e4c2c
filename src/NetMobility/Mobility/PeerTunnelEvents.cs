using NetMobility.Wire;

namespace NetMobility.Mobility;

/// <summary>An agent opened (first user) or closed (last user gone) its tunnel to <see cref="Peer"/>.</summary>
public readonly record struct PeerTunnelChanged(Ipv4Address Peer, Tunnels.TunnelKind Encapsulation, bool Opened);

/// <summary>One tunnel an agent holds now: its peer, encapsulation, how many bindings or visitors use it, and its endpoint.</summary>
public readonly record struct PeerTunnelInfo(Ipv4Address Peer, Tunnels.TunnelKind Encapsulation, int Users, Tunnels.ITunnelEndpoint Endpoint);
