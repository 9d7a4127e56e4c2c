
namespace NetMobility.Runtime;

/// <summary>
/// Virtual time for an in-memory world: an <see cref="EventLoop"/> on a <see cref="ManualTimeProvider"/>.
/// <see cref="RunUntil"/> drains posted work, then moves the clock to the next timer, fires it, drains
/// again, and so on up to the target time: every frame and timer happens at its exact virtual instant,
/// and a run is reproducible.
/// </summary>
public sealed class Simulation
{
    public Simulation() : this(new ManualTimeProvider()) { }

    public Simulation(ManualTimeProvider clock)
    {
        Clock = clock;
        Loop = new EventLoop(clock);
    }

    public ManualTimeProvider Clock { get; }
    public EventLoop Loop { get; }
    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Runs posted work, and timers due at the current instant, until none is left; the clock does not move.</summary>
    public void RunUntilIdle() => RunUntil(Now);

    /// <summary>Runs work and timers in time order until the clock reaches <paramref name="target"/> and nothing is left to do then.</summary>
    public void RunUntil(DateTimeOffset target)
    {
        Loop.RunUntilIdle();
        while (Clock.NextDue is { } due && due <= target)
        {
            Clock.AdvanceTo(due);
            Loop.RunUntilIdle();
        }
        Clock.AdvanceTo(target);
        Loop.RunUntilIdle();
    }

    /// <summary>
    /// Jumps the clock to <paramref name="target"/> (<see cref="ManualTimeProvider.JumpTo"/>): what fell due on the way
    /// runs once, at <paramref name="target"/>, so a gap costs each timer one firing, not one per period it spans.
    /// </summary>
    public void JumpTo(DateTimeOffset target)
    {
        Loop.RunUntilIdle();
        Clock.JumpTo(target);
        RunUntil(target);
    }

    public void RunFor(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        RunUntil(Now + duration);
    }
}
