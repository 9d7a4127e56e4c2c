namespace NetMobility.Migration.PageStream;

/// <summary>Durations as the return records carry them: whole nanoseconds, 64 bits.</summary>
public static class Durations
{
    public static ulong ToNanoseconds(TimeSpan duration) => duration <= TimeSpan.Zero ? 0 : (ulong)duration.Ticks * 100;

    public static TimeSpan FromNanoseconds(ulong nanoseconds) => TimeSpan.FromTicks((long)Math.Min(nanoseconds / 100, (ulong)TimeSpan.MaxValue.Ticks));
}
