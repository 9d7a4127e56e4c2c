using System.Runtime.InteropServices;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// A learning bridge's filtering database (IEEE 802.1D sec 7.9): source MAC to port, each entry aged out
/// when the address has not been seen for the ageing time. Bounded: when full, aged entries are swept
/// and, if none were, the new address is not learned (its frames keep being flooded).
/// </summary>
internal sealed class MacTable(int capacity, TimeSpan ageingTime)
{
    private readonly Dictionary<MacAddress, Entry> _entries = new(capacity);

    public int Count => _entries.Count;

    /// <summary>Records that <paramref name="mac"/> was seen on <paramref name="port"/>; false when the table is full.</summary>
    public bool Learn(MacAddress mac, int port, DateTimeOffset now)
    {
        if (_entries.Count >= capacity && !_entries.ContainsKey(mac) && SweepAged(now) == 0) return false;
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, mac, out _);
        entry = new Entry(port, now);
        return true;
    }

    /// <summary>The port <paramref name="mac"/> was last seen on, unless that was longer ago than the ageing time.</summary>
    public bool TryLookup(MacAddress mac, DateTimeOffset now, out int port)
    {
        port = -1;
        if (!_entries.TryGetValue(mac, out var entry)) return false;
        if (now - entry.LastSeen > ageingTime)
        {
            _entries.Remove(mac);
            return false;
        }
        port = entry.Port;
        return true;
    }

    /// <summary>Drops every address learned on <paramref name="port"/> (the port went down).</summary>
    public void ForgetPort(int port)
    {
        foreach (var (mac, entry) in _entries)
            if (entry.Port == port) _entries.Remove(mac);
    }

    private int SweepAged(DateTimeOffset now)
    {
        int removed = 0;
        foreach (var (mac, entry) in _entries)
        {
            if (now - entry.LastSeen <= ageingTime) continue;
            _entries.Remove(mac);
            removed++;
        }
        return removed;
    }

    private readonly record struct Entry(int Port, DateTimeOffset LastSeen);
}
