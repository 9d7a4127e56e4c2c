using NetMobility.Configuration;
using NetMobility.Wire;

namespace NetMobility.Replay;

/// <summary>
/// The IPv4 and hardware addresses a node's interfaces and tunnels take, each by one of them only, as a router
/// insists: a second interface with an address or MAC already taken is refused, naming where it was taken first.
/// </summary>
internal sealed class NodeAddressOwners
{
    private readonly Dictionary<Ipv4Address, string> _addresses = [];
    private readonly Dictionary<MacAddress, string> _macs = [];

    /// <summary>An interface address: a host address on its network (<see cref="AddressChecks.HostAddress"/>) that no other interface has.</summary>
    public void Address(ConfigElement field, Ipv4Address address, int prefixLength)
    {
        AddressChecks.HostAddress(field, address, prefixLength);
        if (!_addresses.TryAdd(address, field.Path)) throw field.Error($"{address} is already the address at {_addresses[address]}");
    }

    /// <summary>An interface's hardware address: individual, not zero, and no other interface's.</summary>
    public void Mac(ConfigElement field, MacAddress mac)
    {
        AddressChecks.InterfaceMac(field, mac);
        if (!_macs.TryAdd(mac, field.Path)) throw field.Error($"{mac} is already the hardware address at {_macs[mac]}");
    }
}
