namespace NetMobility.Links;

/// <summary>
/// A token bucket on virtual time, computed exactly in integers: tokens are counted in units of
/// 1/TicksPerSecond bit, so a rate of R bit/s adds R units per 100 ns tick and a byte costs 8e7 units.
/// Frames leave in FIFO order: <see cref="Departure"/> gives the earliest tick at which a frame queued
/// now, behind everything queued before it, has the tokens to go.
/// </summary>
internal sealed class TokenBucket
{
    private const long UnitsPerByte = 8 * TimeSpan.TicksPerSecond;
    private readonly long _rate;
    private readonly long _depth;
    private long _tokens;
    private long _tokensAt;

    /// <param name="bitsPerSecond">Fill rate.</param>
    /// <param name="burstBytes">Bucket depth: bytes that may leave back to back after an idle spell.</param>
    public TokenBucket(long bitsPerSecond, int burstBytes, long startTicks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burstBytes, 1);
        _rate = bitsPerSecond;
        _depth = burstBytes * UnitsPerByte;
        _tokens = _depth;
        _tokensAt = startTicks;
    }

    /// <summary>Takes the tokens for <paramref name="bytes"/> and returns the tick at which they are there.</summary>
    public long Departure(long nowTicks, int bytes)
    {
        long start = Math.Max(nowTicks, _tokensAt);
        long elapsed = start - _tokensAt;
        // Fill up to the depth; the comparison by division keeps a long idle spell from overflowing.
        long tokens = elapsed >= (_depth - _tokens) / _rate + 1 ? _depth : Math.Min(_depth, _tokens + elapsed * _rate);
        long need = bytes * UnitsPerByte;
        long departure = start;
        if (tokens < need)
        {
            long wait = (need - tokens + _rate - 1) / _rate;
            departure += wait;
            tokens += wait * _rate;
        }
        _tokens = tokens - need;
        _tokensAt = departure;
        return departure;
    }
}
