namespace NetMobility.Tests.Migration;

/// <summary>A clock that moves a fixed step every time it is read: every measured operation seems to take that long.</summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long _ticks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}
