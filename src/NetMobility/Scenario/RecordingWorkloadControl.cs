using NetMobility.Migration.Engine;

namespace NetMobility.Scenario;

/// <summary>
/// The guest's control as the source engine drives it, noting on the migration's clock when the engine paused the
/// guest for stop-and-copy and when it resumed it after a rollback: two of the instants the network half replays.
/// </summary>
internal sealed class RecordingWorkloadControl(IWorkloadControl inner, TimeProvider clock) : IWorkloadControl
{
    private long _pausedTicks = -1, _resumedTicks = -1;

    public string Name => inner.Name;

    public double Throttle
    {
        get => inner.Throttle;
        set => inner.Throttle = value;
    }

    public DateTimeOffset? PausedAt => Read(ref _pausedTicks);

    public DateTimeOffset? ResumedAt => Read(ref _resumedTicks);

    public void CatchUp() => inner.CatchUp();

    public async ValueTask PauseAsync(CancellationToken cancellationToken)
    {
        await inner.PauseAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _pausedTicks, clock.GetUtcNow().UtcTicks);
    }

    public async ValueTask ResumeAsync()
    {
        await inner.ResumeAsync().ConfigureAwait(false);
        Volatile.Write(ref _resumedTicks, clock.GetUtcNow().UtcTicks);
    }

    private static DateTimeOffset? Read(ref long ticks)
    {
        long value = Volatile.Read(ref ticks);
        return value < 0 ? null : new DateTimeOffset(value, TimeSpan.Zero);
    }
}
