using NetMobility.Wire;

namespace NetMobility.Configuration;

/// <summary>
/// What a router refuses in an address before it takes it: a host address that is its network's own address or its
/// broadcast address, a prefix with host bits set, a hardware address that is a group or all zeros. Each check
/// throws a <see cref="ConfigException"/> naming the field.
/// </summary>
public static class AddressChecks
{
    /// <summary>
    /// <paramref name="address"/> is a unicast host address on its network of <paramref name="prefixLength"/>: not
    /// 0.0.0.0, multicast, limited broadcast or loopback, and, on a network of /30 or wider, neither the network's
    /// address (host bits all 0) nor its directed broadcast (all 1). A /31 has no such addresses (RFC 3021), a /32 one host.
    /// </summary>
    public static void HostAddress(ConfigElement field, Ipv4Address address, int prefixLength)
    {
        if (address.IsUnspecified || address.IsMulticast || address.IsBroadcast || address.IsLoopback)
            throw field.Error($"{address} is not a unicast host address");
        if (prefixLength > 30) return;
        uint hostBits = ~Ipv4Address.PrefixMask(prefixLength);
        uint network = address.Value & ~hostBits;
        if ((address.Value & hostBits) == 0)
            throw field.Error($"{address} is the network address of {address}/{prefixLength}, not a host address");
        if ((address.Value & hostBits) == hostBits)
            throw field.Error($"{address} is the broadcast address of {new Ipv4Address(network)}/{prefixLength}, not a host address");
    }

    /// <summary>The address of a prefix must have no host bits set: <c>10.1.0.5/24</c> is a host on 10.1.0.0/24, not a prefix.</summary>
    public static void PrefixWithoutHostBits(ConfigElement field, Ipv4Address address, int prefixLength)
    {
        uint mask = Ipv4Address.PrefixMask(prefixLength);
        if ((address.Value & ~mask) != 0)
            throw field.Error($"'{address}/{prefixLength}' has host bits set: the prefix is {new Ipv4Address(address.Value & mask)}/{prefixLength}");
    }

    /// <summary>An interface's own hardware address is an individual (unicast) address and not all zeros.</summary>
    public static void InterfaceMac(ConfigElement field, MacAddress mac)
    {
        if (mac.IsMulticast) throw field.Error($"{mac} is a group address (its first octet's low bit is set); an interface needs an individual address");
        if (mac.Value == 0) throw field.Error($"{mac} is all zeros; an interface needs a real address");
    }
}
