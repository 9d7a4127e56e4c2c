using NetMobility.Wire;

namespace NetMobility.Mobility;

/// <summary>A home agent answered a registration request: accepted or denied with <see cref="Code"/>, and what it did to the bindings.</summary>
public readonly record struct RegistrationDecided(Ipv4Address HomeAddress, Ipv4Address CareOfAddress, RegistrationReplyCode Code, BindingChange Change, ushort Lifetime);

/// <summary>An agent opened (first user) or closed (last user gone) its tunnel to <see cref="Peer"/>.</summary>
public readonly record struct PeerTunnelChanged(Ipv4Address Peer, TunnelEncapsulation Encapsulation, bool Opened);

/// <summary>One tunnel an agent holds now: its peer, encapsulation, how many bindings or visitors use it, and its endpoint.</summary>
public readonly record struct PeerTunnelInfo(Ipv4Address Peer, TunnelEncapsulation Encapsulation, int Users, Tunnels.ITunnelEndpoint Endpoint);
