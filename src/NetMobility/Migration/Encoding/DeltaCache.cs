namespace NetMobility.Migration.Encoding;

/// <summary>
/// The last-sent version of recently sent pages, which is what the destination holds: the base for
/// Unchanged and Delta. Bounded: two-way set associative (page number modulo the set count picks the
/// set), least recently used way replaced. Page bytes live in native memory; nothing is allocated per page.
/// The owner keeps it exact: every page sent is stored, and a page sent in a way that does not go through
/// the cache (Zero) is forgotten, so a hit is always what the destination has.
/// </summary>
internal sealed unsafe class DeltaCache : IDisposable
{
    private const int PageSize = MemoryImage.PageSize;
    private const int Ways = 2;
    private readonly NativePageMemory? _memory;
    private readonly int[] _tags;
    private readonly long[] _used;
    private readonly int _sets;
    private long _clock;

    public DeltaCache(int pages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        _sets = pages / Ways;
        Capacity = _sets * Ways;
        _tags = new int[Capacity];
        _used = new long[Capacity];
        Array.Fill(_tags, -1);
        if (Capacity > 0) _memory = NativePageMemory.Allocate((long)Capacity * PageSize);
    }

    /// <summary>Pages the cache holds at most (the requested size rounded down to whole sets).</summary>
    public int Capacity { get; }

    /// <summary>The cached last-sent version of <paramref name="pageNumber"/>, or an empty span.</summary>
    public ReadOnlySpan<byte> Find(int pageNumber)
    {
        int slot = SlotOf(pageNumber);
        if (slot < 0) return default;
        _used[slot] = ++_clock;
        return Slot(slot);
    }

    /// <summary>Records <paramref name="content"/> as what the destination now holds for the page.</summary>
    public void Store(int pageNumber, ReadOnlySpan<byte> content)
    {
        if (Capacity == 0) return;
        int slot = SlotOf(pageNumber);
        if (slot < 0)
        {
            int first = (int)((uint)pageNumber % (uint)_sets) * Ways;
            slot = _used[first] <= _used[first + 1] ? first : first + 1;
            _tags[slot] = pageNumber;
        }
        _used[slot] = ++_clock;
        content.CopyTo(Slot(slot));
    }

    public void Forget(int pageNumber)
    {
        int slot = SlotOf(pageNumber);
        if (slot < 0) return;
        _tags[slot] = -1;
        _used[slot] = 0;
    }

    public void Clear()
    {
        Array.Fill(_tags, -1);
        Array.Clear(_used);
        _clock = 0;
    }

    public void Dispose() => _memory?.Dispose();

    private int SlotOf(int pageNumber)
    {
        if (Capacity == 0) return -1;
        int first = (int)((uint)pageNumber % (uint)_sets) * Ways;
        if (_tags[first] == pageNumber) return first;
        if (_tags[first + 1] == pageNumber) return first + 1;
        return -1;
    }

    private Span<byte> Slot(int slot)
    {
        ObjectDisposedException.ThrowIf(_memory!.IsClosed, this);
        return new Span<byte>(_memory.Pointer + (long)slot * PageSize, PageSize);
    }
}
