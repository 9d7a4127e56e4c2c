using System.Runtime.InteropServices;
using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

/// <summary>
/// A home agent's mobility bindings (RFC 5944 sec 3.8.1), by home address, with simultaneous bindings
/// (RFC 5944 sec 3.8.4) and lifetimes. The first binding of a home address is held inline in the table's
/// entry, so a node with one care-of address costs no object of its own; further simultaneous bindings go
/// into a small array. Lookups on the packet path (<see cref="TryGetFirst"/>, <see cref="Get"/>) allocate
/// nothing. Expiry is explicit: <see cref="ExpireDue"/> removes what has run out, in expiry order, and
/// <see cref="NextExpiry"/> says when to call it next. Used from one thread at a time.
/// </summary>
public sealed class BindingTable
{
    private readonly Dictionary<uint, Entry> _entries;
    private readonly PriorityQueue<(uint Home, uint CareOf), long> _expiries = new();

    /// <param name="capacity">Most bindings held at once; a registration beyond it is refused (code 130).</param>
    /// <param name="maxPerHomeAddress">Most simultaneous bindings per home address (code 135 beyond it); 1 turns them off.</param>
    public BindingTable(int capacity = 65536, int maxPerHomeAddress = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1, nameof(capacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerHomeAddress, 1, nameof(maxPerHomeAddress));
        Capacity = capacity;
        MaxPerHomeAddress = maxPerHomeAddress;
        _entries = new Dictionary<uint, Entry>();
    }

    public int Capacity { get; }
    public int MaxPerHomeAddress { get; }

    /// <summary>Bindings held, over all home addresses.</summary>
    public int Count { get; private set; }

    /// <summary>Home addresses with at least one binding: nodes away from home.</summary>
    public int HomeAddressCount => _entries.Count;

    /// <summary>The earliest expiry of any binding with a finite lifetime, or null.</summary>
    public DateTimeOffset? NextExpiry
    {
        get
        {
            DropStaleExpiries();
            return _expiries.TryPeek(out _, out long ticks) ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        }
    }

    public bool IsAway(Ipv4Address homeAddress) => _entries.ContainsKey(homeAddress.Value);

    /// <summary>Every binding held, for an operator's listing (this allocates; the packet path uses <see cref="Get"/>).</summary>
    public List<MobilityBinding> ToList()
    {
        var all = new List<MobilityBinding>(Count);
        foreach (var entry in _entries.Values)
            for (int i = 0; i < entry.Count; i++) all.Add(entry[i]);
        return all;
    }

    /// <summary>The first (for most nodes, the only) binding of <paramref name="homeAddress"/>.</summary>
    public bool TryGetFirst(Ipv4Address homeAddress, out MobilityBinding binding)
    {
        if (_entries.TryGetValue(homeAddress.Value, out var entry))
        {
            binding = entry.First;
            return true;
        }
        binding = default;
        return false;
    }

    /// <summary>Every binding of <paramref name="homeAddress"/>; empty when the node is at home.</summary>
    public BindingSet Get(Ipv4Address homeAddress) =>
        _entries.TryGetValue(homeAddress.Value, out var entry) ? new BindingSet(entry) : default;

    /// <summary>The binding of <paramref name="homeAddress"/> to <paramref name="careOfAddress"/>, if there is one.</summary>
    public bool TryGet(Ipv4Address homeAddress, Ipv4Address careOfAddress, out MobilityBinding binding)
    {
        foreach (var b in Get(homeAddress))
        {
            if (b.CareOfAddress != careOfAddress) continue;
            binding = b;
            return true;
        }
        binding = default;
        return false;
    }

    /// <summary>
    /// Installs <paramref name="binding"/>. With <paramref name="simultaneous"/> clear every other binding of the
    /// home address goes (RFC 5944 sec 3.8.2.2); with it set the others stay and one to the same care-of address
    /// is renewed (RFC 5944 sec 3.8.4). Nothing changes when the answer is <see cref="BindingChange.TableFull"/>
    /// or <see cref="BindingChange.TooManySimultaneous"/>.
    /// </summary>
    public BindingChange Register(in MobilityBinding binding, bool simultaneous)
    {
        uint home = binding.HomeAddress.Value;
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, home);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
        {
            if (Count >= Capacity) return BindingChange.TableFull;
            _entries.Add(home, new Entry(binding));
            Count++;
            Schedule(binding);
            return BindingChange.Created;
        }

        int index = entry.IndexOf(binding.CareOfAddress);
        if (!simultaneous)
        {
            bool renewed = index >= 0 && entry.Count == 1;
            Count -= entry.Count - 1;
            entry = new Entry(binding);
            Schedule(binding);
            return renewed ? BindingChange.Renewed : BindingChange.Moved;
        }
        if (index >= 0)
        {
            entry.Set(index, binding);
            Schedule(binding);
            return BindingChange.Renewed;
        }
        if (entry.Count >= MaxPerHomeAddress) return BindingChange.TooManySimultaneous;
        if (Count >= Capacity) return BindingChange.TableFull;
        entry.Append(binding);
        Count++;
        Schedule(binding);
        return BindingChange.Added;
    }

    /// <summary>
    /// Removes the binding of <paramref name="homeAddress"/> to <paramref name="careOfAddress"/>, or every binding
    /// when the care-of address is the home address itself (RFC 5944 sec 3.8.2.2, deregistration).
    /// </summary>
    public BindingChange Deregister(Ipv4Address homeAddress, Ipv4Address careOfAddress)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, homeAddress.Value);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry)) return BindingChange.None;
        if (careOfAddress == homeAddress)
        {
            Count -= entry.Count;
            _entries.Remove(homeAddress.Value);
            return BindingChange.Deregistered;
        }
        int index = entry.IndexOf(careOfAddress);
        if (index < 0) return BindingChange.None;
        if (entry.Count == 1)
        {
            Count--;
            _entries.Remove(homeAddress.Value);
            return BindingChange.Deregistered;
        }
        entry.RemoveAt(index);
        Count--;
        return BindingChange.Removed;
    }

    /// <summary>
    /// Removes every binding whose lifetime has run out at <paramref name="now"/>, earliest first, adding each to
    /// <paramref name="expired"/>; returns how many went.
    /// </summary>
    public int ExpireDue(DateTimeOffset now, List<MobilityBinding> expired)
    {
        int removed = 0;
        while (_expiries.TryPeek(out var key, out long ticks) && ticks <= now.UtcTicks)
        {
            _expiries.Dequeue();
            var home = new Ipv4Address(key.Home);
            var careOf = new Ipv4Address(key.CareOf);
            if (!TryGet(home, careOf, out var binding) || binding.ExpiresTicks != ticks) continue; // renewed or removed since
            Deregister(home, careOf);
            expired.Add(binding);
            removed++;
        }
        return removed;
    }

    private void Schedule(in MobilityBinding binding)
    {
        if (binding.IsInfinite) return;
        // A renewal leaves the old deadline queued; it is skipped when it comes up. Rebuild when those pile up.
        if (_expiries.Count > 2 * Count + 64) Rebuild();
        _expiries.Enqueue((binding.HomeAddress.Value, binding.CareOfAddress.Value), binding.ExpiresTicks);
    }

    private void Rebuild()
    {
        _expiries.Clear();
        foreach (var entry in _entries.Values)
        {
            foreach (var b in new BindingSet(entry))
                if (!b.IsInfinite) _expiries.Enqueue((b.HomeAddress.Value, b.CareOfAddress.Value), b.ExpiresTicks);
        }
    }

    private void DropStaleExpiries()
    {
        while (_expiries.TryPeek(out var key, out long ticks)
               && !(TryGet(new Ipv4Address(key.Home), new Ipv4Address(key.CareOf), out var binding) && binding.ExpiresTicks == ticks))
            _expiries.Dequeue();
    }

    /// <summary>The bindings of one home address: the first inline, the rest (simultaneous ones) in an array.</summary>
    internal struct Entry
    {
        public MobilityBinding First;
        public MobilityBinding[]? More;
        public int Count;

        public Entry(in MobilityBinding first)
        {
            First = first;
            More = null;
            Count = 1;
        }

        public readonly MobilityBinding this[int index] => index == 0 ? First : More![index - 1];

        public readonly int IndexOf(Ipv4Address careOfAddress)
        {
            for (int i = 0; i < Count; i++)
                if (this[i].CareOfAddress == careOfAddress) return i;
            return -1;
        }

        public void Set(int index, in MobilityBinding binding)
        {
            if (index == 0) First = binding;
            else More![index - 1] = binding;
        }

        public void Append(in MobilityBinding binding)
        {
            More ??= new MobilityBinding[2];
            if (Count - 1 == More.Length) Array.Resize(ref More, More.Length * 2);
            More[Count - 1] = binding;
            Count++;
        }

        public void RemoveAt(int index)
        {
            for (int i = index; i < Count - 1; i++) Set(i, this[i + 1]);
            Count--;
            More![Count - 1] = default;
        }
    }
}

/// <summary>The bindings of one home address, in the order they were added; enumerate with <c>foreach</c>.</summary>
public readonly ref struct BindingSet
{
    private readonly BindingTable.Entry _entry;

    internal BindingSet(BindingTable.Entry entry) => _entry = entry;

    public int Count => _entry.Count;

    public MobilityBinding this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return _entry[index];
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public ref struct Enumerator
    {
        private readonly BindingSet _set;
        private int _index;

        internal Enumerator(BindingSet set)
        {
            _set = set;
            _index = -1;
        }

        public readonly MobilityBinding Current => _set._entry[_index];

        public bool MoveNext() => ++_index < _set.Count;
    }
}
