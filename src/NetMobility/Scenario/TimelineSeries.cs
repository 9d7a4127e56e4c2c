namespace NetMobility.Scenario;

/// <summary>A point of a <see cref="TimelineSeries"/>: milliseconds of virtual time since the run began, and the value then.</summary>
public readonly record struct TimelinePoint(double TimeMs, double Value);

/// <summary>
/// One series of a scenario timeline, bounded: it holds at most <see cref="Capacity"/> points however long the run.
/// When it is full, neighbouring points are merged pair by pair and each later point stands for twice as many samples
/// as before. A merge keeps the higher of its samples, so a latency spike survives it, and so does the newest value
/// of a series that only grows (octets delivered). Its storage is made once, at construction.
/// </summary>
public sealed class TimelineSeries
{
    /// <summary>Points a series keeps by default: about one per pixel of a picture's width.</summary>
    public const int DefaultCapacity = 1024;

    private readonly TimelinePoint[] _points;
    private int _count;
    private long _stride = 1;
    private long _pending;
    private TimelinePoint _pendingPoint;

    public TimelineSeries(string name, string unit, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (capacity < 2 || capacity % 2 != 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "an even number of points, at least 2");
        Name = name;
        Unit = unit;
        _points = new TimelinePoint[capacity];
    }

    public string Name { get; }

    /// <summary>The unit of the values, for an axis ("MB", "ms").</summary>
    public string Unit { get; }

    public int Capacity => _points.Length;

    /// <summary>Samples added, whether or not merged into fewer points.</summary>
    public long Samples { get; private set; }

    /// <summary>Samples each point stands for now (1 until the series first filled up).</summary>
    public long Stride => _stride;

    /// <summary>Points to draw: the merged ones and the one still being merged into.</summary>
    public int Count => _count + (_pending > 0 ? 1 : 0);

    public TimelinePoint this[int index] =>
        (uint)index < (uint)_count ? _points[index]
        : index == _count && _pending > 0 ? _pendingPoint
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"a series of {Count} points");

    /// <summary>The last sample's value (after a merge, the highest of the newest group); null before any.</summary>
    public double? Last => Count == 0 ? null : this[Count - 1].Value;

    public void Add(double timeMs, double value)
    {
        Samples++;
        if (_pending == 0 || value >= _pendingPoint.Value) _pendingPoint = new TimelinePoint(timeMs, value);
        if (++_pending < _stride) return;
        _points[_count++] = _pendingPoint;
        _pending = 0;
        // Halved as soon as full, so that the group filling next still fits within the capacity.
        if (_count == _points.Length) Halve();
    }

    private void Halve()
    {
        for (int i = 0; i < _count / 2; i++)
        {
            TimelinePoint a = _points[2 * i], b = _points[2 * i + 1];
            _points[i] = b.Value >= a.Value ? b : a;
        }
        _count /= 2;
        _stride *= 2;
    }
}
