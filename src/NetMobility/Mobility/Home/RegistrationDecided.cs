using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

/// <summary>A home agent answered a registration request: accepted or denied with <see cref="Code"/>, and what it did to the bindings.</summary>
public readonly record struct RegistrationDecided(Ipv4Address HomeAddress, Ipv4Address CareOfAddress, RegistrationReplyCode Code, BindingChange Change, ushort Lifetime);
