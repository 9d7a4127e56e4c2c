namespace NetMobility.Capture;

/// <summary>
/// Conversions between capture timestamps (signed nanoseconds since the Unix epoch, the unit both
/// readers deliver and both writers take) and <see cref="DateTimeOffset"/> (100 ns ticks).
/// </summary>
public static class CaptureTime
{
    private const long NanosecondsPerTick = 100;

    /// <summary>
    /// Nanoseconds since the Unix epoch. A <see cref="long"/> of nanoseconds spans the years
    /// 1678 to 2262; an instant outside that span is refused.
    /// </summary>
    public static long ToUnixNanoseconds(DateTimeOffset timestamp)
    {
        long ticks = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks > long.MaxValue / NanosecondsPerTick || ticks < long.MinValue / NanosecondsPerTick)
            throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "a capture timestamp must lie between the years 1678 and 2262");
        return ticks * NanosecondsPerTick;
    }

    /// <summary>The instant <paramref name="unixNanoseconds"/> after the Unix epoch, rounded down to a 100 ns tick.</summary>
    public static DateTimeOffset ToDateTimeOffset(long unixNanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(Math.DivRem(unixNanoseconds, NanosecondsPerTick, out long rest) - (rest < 0 ? 1 : 0));
}
