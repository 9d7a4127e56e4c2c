using NetMobility.Wire;

namespace NetMobility.Net;

/// <summary>
/// Static routes with longest-prefix match (RFC 1812 sec 5.2.4.3). One hash table per prefix length and
/// a mask of the lengths in use: a lookup probes only those lengths, longest first, so its cost does not
/// grow with the number of routes. At most one route per prefix: adding one replaces the old.
/// </summary>
public sealed class RouteTable
{
    private readonly Dictionary<uint, Route>?[] _byLength = new Dictionary<uint, Route>?[33];
    private ulong _lengthsInUse;

    public int Count { get; private set; }

    /// <summary>Adds or replaces the route for <paramref name="route"/>'s destination.</summary>
    public void Add(Route route)
    {
        var table = _byLength[route.Destination.Length] ??= [];
        if (!table.ContainsKey(route.Destination.Network.Value)) Count++;
        table[route.Destination.Network.Value] = route;
        _lengthsInUse |= 1UL << route.Destination.Length;
    }

    public bool Remove(Ipv4Prefix destination)
    {
        var table = _byLength[destination.Length];
        if (table is null || !table.Remove(destination.Network.Value)) return false;
        Count--;
        if (table.Count == 0) _lengthsInUse &= ~(1UL << destination.Length);
        return true;
    }

    /// <summary>Removes every route through <paramref name="iface"/>.</summary>
    public void RemoveAll(NetInterface iface)
    {
        foreach (var route in Routes())
            if (route.Interface == iface) Remove(route.Destination);
    }

    /// <summary>The most specific route covering <paramref name="destination"/>, or null.</summary>
    public Route? Lookup(Ipv4Address destination)
    {
        ulong lengths = _lengthsInUse;
        while (lengths != 0)
        {
            int length = 63 - System.Numerics.BitOperations.LeadingZeroCount(lengths);
            lengths &= ~(1UL << length);
            if (_byLength[length]!.TryGetValue(destination.Value & Ipv4Address.PrefixMask(length), out var route)) return route;
        }
        return null;
    }

    /// <summary>Every route, most specific first.</summary>
    public List<Route> Routes()
    {
        var all = new List<Route>(Count);
        for (int length = 32; length >= 0; length--)
            if (_byLength[length] is { } table) all.AddRange(table.Values);
        return all;
    }
}
