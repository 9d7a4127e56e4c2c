namespace NetMobility.Migration.Transports;

/// <summary>
/// A network path for the in-memory transport: bandwidth shared by all channels in each direction,
/// one-way latency, and whether time is real or virtual.
/// </summary>
public sealed record PathModel
{
    public required double BitsPerSecond { get; init; }
    public TimeSpan Latency { get; init; }

    /// <summary>
    /// Virtual time: the source's clock (the <see cref="Runtime.ManualTimeProvider"/> the path is given) is moved
    /// forward by what each flush takes to serialise and by waits for replies, so hours of migration run in seconds.
    /// Real time: writers and readers wait on the clock.
    /// </summary>
    public bool VirtualTime { get; init; } = true;

    public double BytesPerSecond => BitsPerSecond / 8;

    public TimeSpan SerializationTime(long bytes) => TimeSpan.FromSeconds(bytes / BytesPerSecond);

    /// <summary>The slowest path a migration is modelled on.</summary>
    public const double MinBitsPerSecond = 1e3;

    /// <summary>The fastest path a migration is modelled on.</summary>
    public const double MaxBitsPerSecond = 100e9;

    /// <summary>
    /// The longest a path may take to carry one copy of the memory. Pre-copy sends the memory once and then what the
    /// guest dirtied meanwhile; on a path that needs more than an hour for the first copy the migration is a cold copy
    /// that the guest's own writes outrun, not a live one, and a simulation of it (the guest, the flows around it)
    /// would spend its work on hours of simulated traffic.
    /// </summary>
    public static readonly TimeSpan MaxFirstCopyTime = TimeSpan.FromHours(1);

    /// <summary>
    /// Null when <paramref name="bitsPerSecond"/> is a bandwidth a migration of <paramref name="memoryBytes"/> can be
    /// modelled on: within 1 kbit/s to 100 Gbit/s, and fast enough to carry the memory once within
    /// <see cref="MaxFirstCopyTime"/>. Else what is wrong with it.
    /// </summary>
    public static string? CheckBandwidth(double bitsPerSecond, long memoryBytes)
    {
        if (CheckBandwidth(bitsPerSecond) is string problem) return problem;
        double minimum = memoryBytes * 8.0 / MaxFirstCopyTime.TotalSeconds;
        if (bitsPerSecond >= minimum) return null;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{DescribeBandwidth(bitsPerSecond)} is too slow for {memoryBytes >> 20} MiB of memory: one copy would take {memoryBytes * 8.0 / bitsPerSecond / 3600:0.#} h; "
            + $"a live migration needs a link that carries the memory within an hour ({DescribeBandwidth(Math.Ceiling(minimum / 1e3) * 1e3)} or more)");
    }

    /// <summary>Null when <paramref name="bitsPerSecond"/> is a bandwidth a migration can be modelled on, else what is wrong with it.</summary>
    public static string? CheckBandwidth(double bitsPerSecond) =>
        bitsPerSecond is >= MinBitsPerSecond and <= MaxBitsPerSecond
            ? null
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bitsPerSecond:G6} bit/s is not from 1 kbit/s to 100 Gbit/s");

    /// <summary>Parses "100M", "1G", "10G", "2.5G", "500k" (bits per second).</summary>
    public static bool TryParseBandwidth(string text, out double bitsPerSecond)
    {
        bitsPerSecond = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        double unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1e3, 'M' => 1e6, 'G' => 1e9, _ => 1 };
        var number = unit == 1 ? text : text[..^1];
        if (!double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value)
            || !(value > 0) || double.IsInfinity(value)) return false;
        bitsPerSecond = value * unit;
        return true;
    }

    /// <summary>"100 Mbit/s", "1 Gbit/s".</summary>
    public static string DescribeBandwidth(double bitsPerSecond) => bitsPerSecond switch
    {
        >= 1e9 => $"{bitsPerSecond / 1e9:0.##} Gbit/s",
        >= 1e6 => $"{bitsPerSecond / 1e6:0.##} Mbit/s",
        _ => $"{bitsPerSecond / 1e3:0.##} kbit/s",
    };
}
