using NetMobility.Wire;

namespace NetMobility.Mobility.Foreign;

/// <summary>A foreign agent's visitors by home address (RFC 5944 sec 3.7.1), bounded. Used from one thread at a time.</summary>
public sealed class VisitorList
{
    private readonly Dictionary<uint, Visitor> _visitors = [];

    public VisitorList(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1, nameof(capacity));
        Capacity = capacity;
    }

    public int Capacity { get; }
    public int Count => _visitors.Count;
    public bool IsFull => _visitors.Count >= Capacity;

    public bool TryGet(Ipv4Address homeAddress, out Visitor visitor) => _visitors.TryGetValue(homeAddress.Value, out visitor!);

    /// <summary>An accepted visitor with <paramref name="homeAddress"/>: one whose traffic the agent carries.</summary>
    public bool TryGetAccepted(Ipv4Address homeAddress, out Visitor visitor) =>
        _visitors.TryGetValue(homeAddress.Value, out visitor!) && visitor.IsAccepted;

    /// <summary>The visitor with <paramref name="homeAddress"/>, added when the list has room; null when it is full.</summary>
    internal Visitor? GetOrAdd(Ipv4Address homeAddress)
    {
        if (_visitors.TryGetValue(homeAddress.Value, out var visitor)) return visitor;
        if (IsFull) return null;
        visitor = new Visitor(homeAddress);
        _visitors.Add(homeAddress.Value, visitor);
        return visitor;
    }

    internal bool Remove(Ipv4Address homeAddress) => _visitors.Remove(homeAddress.Value);

    public IEnumerable<Visitor> All => _visitors.Values;
}
