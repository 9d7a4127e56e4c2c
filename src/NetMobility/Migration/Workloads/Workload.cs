namespace NetMobility.Migration.Workloads;

/// <summary>
/// A guest that dirties memory: deterministic for its seed, so a simulation in virtual time replays exactly.
/// Rates count page writes per second (a page written twice counts twice); <see cref="Throttle"/> withholds a
/// fraction of them, as QEMU's auto-converge slows the vCPUs of a guest that dirties faster than it migrates.
/// </summary>
public abstract class Workload
{
    private double _throttle;
    private double _pending;
    private long _pageWrites;

    /// <summary>Performs the writes that the throttled rate times <paramref name="elapsed"/> implies, through <see cref="MemoryImage.Write"/>.</summary>
    public abstract void Advance(MemoryImage image, TimeSpan elapsed);

    public abstract string Name { get; }

    /// <summary>The nominal dirtying rate before the throttle, in page writes per second.</summary>
    public abstract double PagesPerSecond { get; }

    /// <summary>Fraction of the rate withheld, 0 to 0.99. May be set from another thread while the workload runs.</summary>
    public double Throttle
    {
        get => Volatile.Read(ref _throttle);
        set
        {
            if (!(value >= 0 && value <= 0.99)) throw new ArgumentOutOfRangeException(nameof(value), $"throttle is a fraction from 0 to 0.99, not {value}");
            Volatile.Write(ref _throttle, value);
        }
    }

    /// <summary>Page writes due so far at the workload's rate: the guest's activity.</summary>
    public long PageWrites => Interlocked.Read(ref _pageWrites);

    /// <summary>
    /// Writes carried out on the image so far: the work the guest cost. Fewer than <see cref="PageWrites"/> when many
    /// writes fell on few pages in one step and only the ones that show were made (<c>UniformWrites</c>).
    /// </summary>
    public long WritesPerformed => Writer?.Performed ?? 0;

    /// <summary>The writer the workload carries its writes out through.</summary>
    private protected PageWriter? Writer { get; set; }

    /// <summary>
    /// How many page writes fall due in <paramref name="elapsed"/> at the throttled rate. Fractions carry over
    /// to the next call, so many short steps add up to the same count as one long step.
    /// </summary>
    protected int TakeDueWrites(TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero) return 0;
        _pending += PagesPerSecond * (1 - Throttle) * elapsed.TotalSeconds;
        double whole = Math.Floor(Math.Min(_pending, int.MaxValue));
        _pending -= whole;
        Interlocked.Add(ref _pageWrites, (long)whole);
        return (int)whole;
    }

    protected static void CheckRate(double pagesPerSecond)
    {
        if (!(pagesPerSecond >= 0) || double.IsInfinity(pagesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(pagesPerSecond), $"a dirtying rate is a finite number of pages per second, not {pagesPerSecond}");
    }
}
