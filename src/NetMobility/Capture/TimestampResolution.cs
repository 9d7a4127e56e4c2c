namespace NetMobility.Capture;

/// <summary>
/// The unit of a timestamp in a capture file, coded as pcapng's if_tsresol octet (pcapng draft
/// sec 4.2): most significant bit clear, the unit is 10^-n seconds; set, 2^-n seconds, n being the
/// low seven bits. Classic pcap knows 10^-6 (magic a1b2c3d4) and 10^-9 (magic a1b23c4d).
/// </summary>
public readonly record struct TimestampResolution
{
    private const byte PowerOfTwoFlag = 0x80;
    private const uint NanosecondsPerSecond = 1_000_000_000;
    // 10^19 is the largest power of ten a 64-bit unsigned timestamp can count in.
    private const int MaxDecimalExponent = 19;
    private const int MaxBinaryExponent = 63;

    // A static array, not a span property: a span over a collection expression of ulongs is
    // allocated on every access.
    private static readonly ulong[] PowersOfTen =
    [
        1UL, 10UL, 100UL, 1_000UL, 10_000UL, 100_000UL, 1_000_000UL, 10_000_000UL, 100_000_000UL, 1_000_000_000UL,
        10_000_000_000UL, 100_000_000_000UL, 1_000_000_000_000UL, 10_000_000_000_000UL, 100_000_000_000_000UL,
        1_000_000_000_000_000UL, 10_000_000_000_000_000UL, 100_000_000_000_000_000UL, 1_000_000_000_000_000_000UL,
        10_000_000_000_000_000_000UL,
    ];

    private TimestampResolution(byte code) => Code = code;

    /// <summary>The if_tsresol octet.</summary>
    public byte Code { get; }

    public bool IsPowerOfTwo => (Code & PowerOfTwoFlag) != 0;

    /// <summary>n in 10^-n or 2^-n seconds.</summary>
    public int Exponent => Code & ~PowerOfTwoFlag;

    /// <summary>10^-6 s: classic pcap's a1b2c3d4 files, and pcapng when an interface names no resolution.</summary>
    public static TimestampResolution Microseconds => new(6);

    /// <summary>10^-9 s: classic pcap's a1b23c4d files.</summary>
    public static TimestampResolution Nanoseconds => new(9);

    public static TimestampResolution PowerOfTen(int exponent) =>
        exponent is >= 0 and <= MaxDecimalExponent
            ? new((byte)exponent)
            : throw new ArgumentOutOfRangeException(nameof(exponent), exponent, $"a decimal resolution is 10^-0 to 10^-{MaxDecimalExponent} s");

    public static TimestampResolution PowerOfTwo(int exponent) =>
        exponent is >= 0 and <= MaxBinaryExponent
            ? new((byte)(PowerOfTwoFlag | exponent))
            : throw new ArgumentOutOfRangeException(nameof(exponent), exponent, $"a binary resolution is 2^-0 to 2^-{MaxBinaryExponent} s");

    /// <summary>
    /// Accepts an if_tsresol octet from a file. Refused: units finer than 10^-19 or 2^-63 s, whose
    /// one-second count does not fit the 64-bit timestamp.
    /// </summary>
    public static bool TryFromCode(byte code, out TimestampResolution resolution)
    {
        var candidate = new TimestampResolution(code);
        bool ok = candidate.Exponent <= (candidate.IsPowerOfTwo ? MaxBinaryExponent : MaxDecimalExponent);
        resolution = ok ? candidate : default;
        return ok;
    }

    /// <summary>
    /// Converts a file timestamp (<paramref name="units"/> of this resolution since the epoch, plus
    /// if_tsoffset seconds) to nanoseconds; false when the instant lies outside what a long of
    /// nanoseconds holds (years 1678 to 2262). Sub-nanosecond units round down.
    /// </summary>
    internal bool TryToUnixNanoseconds(ulong units, long offsetSeconds, out long nanoseconds)
    {
        ulong seconds, fraction;
        int n = Exponent;
        if (IsPowerOfTwo)
        {
            seconds = units >> n;
            fraction = units & ((1UL << n) - 1);
            fraction = (ulong)(((UInt128)fraction * NanosecondsPerSecond) >> n);
        }
        else
        {
            ulong perSecond = PowersOfTen[n];
            seconds = units / perSecond;
            fraction = units % perSecond;
            fraction = n <= 9 ? fraction * PowersOfTen[9 - n] : fraction / PowersOfTen[n - 9];
        }
        Int128 total = ((Int128)seconds + offsetSeconds) * NanosecondsPerSecond + fraction;
        bool fits = total >= long.MinValue && total <= long.MaxValue;
        nanoseconds = fits ? (long)total : 0;
        return fits;
    }

    /// <summary>
    /// Converts nanoseconds since the epoch to units of this resolution; false for an instant before
    /// the epoch (file timestamps are unsigned) or one too large for 64 bits. Units coarser than a
    /// nanosecond round down (the timestamp is cut to the resolution); finer ones round up to the
    /// first unit that <see cref="TryToUnixNanoseconds"/> maps back to the same nanosecond.
    /// </summary>
    internal bool TryFromUnixNanoseconds(long nanoseconds, out ulong units)
    {
        units = 0;
        if (nanoseconds < 0) return false;
        ulong seconds = (ulong)nanoseconds / NanosecondsPerSecond;
        ulong fraction = (ulong)nanoseconds % NanosecondsPerSecond;
        UInt128 perSecond = IsPowerOfTwo ? UInt128.One << Exponent : PowersOfTen[Exponent];
        UInt128 scaled = fraction * perSecond;
        UInt128 fractionUnits = scaled / NanosecondsPerSecond;
        if (perSecond > NanosecondsPerSecond && scaled % NanosecondsPerSecond != 0) fractionUnits++;
        UInt128 total = seconds * perSecond + fractionUnits;
        if (total > ulong.MaxValue) return false;
        units = (ulong)total;
        return true;
    }

    public override string ToString() => IsPowerOfTwo ? $"2^-{Exponent} s" : $"10^-{Exponent} s";
}
