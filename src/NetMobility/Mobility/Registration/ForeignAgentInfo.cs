using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;

namespace NetMobility.Mobility.Registration;

/// <summary>A foreign agent as its advertisement describes it (RFC 5944 sec 2.1.1).</summary>
public readonly record struct ForeignAgentInfo(Ipv4Address Address, MacAddress Mac, Ipv4Address CareOfAddress, ushort MaxLifetime, MobilityAgentFlags Flags, ushort Sequence);
