namespace NetMobility.Net;

/// <summary>
/// Allows at most <c>perSecond</c> events a second after a burst of <c>burst</c>: a token bucket on the
/// caller's clock ticks. Used to pace the ICMP errors a node sends (RFC 1812 sec 4.3.2.8).
/// </summary>
internal sealed class RateLimiter
{
    private readonly long _ticksPerToken;
    private readonly long _depthTicks;
    private long _emptyAt;

    /// <param name="perSecond">Sustained rate; 0 allows nothing.</param>
    public RateLimiter(int perSecond, int burst, long nowTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _ticksPerToken = perSecond == 0 ? 0 : Math.Max(1, TimeSpan.TicksPerSecond / perSecond);
        _depthTicks = _ticksPerToken * burst;
        _emptyAt = nowTicks - _depthTicks;
    }

    /// <summary>Takes a token if one is there.</summary>
    public bool TryTake(long nowTicks)
    {
        if (_ticksPerToken == 0) return false;
        // The bucket is tracked as the instant it would be empty: full means that instant is a depth ago or older.
        long emptyAt = Math.Max(_emptyAt, nowTicks - _depthTicks);
        if (emptyAt + _ticksPerToken > nowTicks) return false;
        _emptyAt = emptyAt + _ticksPerToken;
        return true;
    }
}
