namespace NetMobility.Mobility.Registration;

/// <summary>
/// The 64-bit timestamp a registration carries in its Identification field when replay protection uses
/// timestamps (RFC 5944 sec 5.7.1): the Network Time Protocol format, seconds since 1900-01-01 00:00 UTC in
/// the high-order 32 bits and the binary fraction of a second in the low-order 32 bits.
/// </summary>
public static class MobileIpTimestamp
{
    private static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The timestamp of <paramref name="time"/>; the seconds wrap modulo 2^32 as NTP's era 0 ends in 2036.</summary>
    public static ulong From(DateTimeOffset time)
    {
        long ticks = (time - Epoch).Ticks;
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = ((ulong)(ticks % TimeSpan.TicksPerSecond) << 32) / TimeSpan.TicksPerSecond;
        return ((seconds & 0xFFFF_FFFF) << 32) | fraction;
    }

    /// <summary>The high-order 32 bits of the timestamp of <paramref name="time"/>: whole seconds since 1900.</summary>
    public static uint Seconds(DateTimeOffset time) => (uint)(From(time) >> 32);

    /// <summary>
    /// How far the timestamp <paramref name="identification"/> lies from <paramref name="now"/>, positive when it is
    /// ahead. Read in the era of <paramref name="now"/>: the nearer of the two readings of the 32-bit seconds.
    /// </summary>
    public static TimeSpan Offset(ulong identification, DateTimeOffset now)
    {
        ulong reference = From(now);
        // Two's-complement difference of two 32.32 fixed-point values: the signed distance modulo 2^64.
        long difference = unchecked((long)(identification - reference));
        // 2^32 units make one second; keep the sub-second part at tick resolution.
        long seconds = difference >> 32;
        long fraction = difference & 0xFFFF_FFFF;
        return TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + (fraction * TimeSpan.TicksPerSecond >> 32));
    }
}
