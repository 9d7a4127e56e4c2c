using NetMobility.Wire;

namespace NetMobility.Testbed.Tcp;

/// <summary>The four numbers that name a connection, from this end's side.</summary>
internal readonly record struct ConnectionKey(Ipv4Address LocalAddress, ushort LocalPort, Ipv4Address RemoteAddress, ushort RemotePort);
