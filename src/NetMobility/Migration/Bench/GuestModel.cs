using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Bench;

/// <summary>
/// The write pattern of one of the project's workloads, at its rate, throttle and write mix, without
/// generating the bytes: which pages it writes and with what kind of write. Used by the simulation, where
/// a real workload's content generation would cost far more than the migration it is simulating.
/// </summary>
internal abstract class GuestModel(double pagesPerSecond, int seed)
{
    private double _pending;
    protected Random Rng { get; } = new(seed);

    public double PagesPerSecond { get; } = pagesPerSecond;
    public double Throttle { get; set; }

    public void Advance(SimulatedMemory memory, double seconds)
    {
        if (seconds <= 0) return;
        _pending += PagesPerSecond * (1 - Throttle) * seconds;
        long writes = (long)Math.Floor(_pending);
        _pending -= writes;
        for (long i = 0; i < writes; i++) WriteOne(memory);
    }

    protected abstract void WriteOne(SimulatedMemory memory);

    /// <summary>The model of <paramref name="workload"/> (idle, web server, uniform random, sequential scan).</summary>
    public static GuestModel For(Workload workload, int seed) => workload switch
    {
        WebServerWorkload web => new WebServer(web, seed),
        UniformRandomWorkload uniform => new Uniform(uniform.PagesPerSecond, uniform.Mix, seed),
        SequentialScanWorkload scan => new Scan(scan.PagesPerSecond, scan.Mix, seed),
        IdleWorkload idle => new Uniform(idle.PagesPerSecond, IdleWorkload.Mix, seed),
        _ => throw new ArgumentException($"no simulation model for workload {workload.Name}", nameof(workload)),
    };

    private sealed class Uniform(double rate, WriteMix mix, int seed) : GuestModel(rate, seed)
    {
        protected override void WriteOne(SimulatedMemory memory) => memory.Write(Rng.Next(memory.PageCount), mix.Pick(Rng));
    }

    private sealed class Scan(double rate, WriteMix mix, int seed) : GuestModel(rate, seed)
    {
        private int _next;

        protected override void WriteOne(SimulatedMemory memory)
        {
            if (_next >= memory.PageCount) _next = 0;
            memory.Write(_next++, mix.Pick(Rng));
        }
    }

    private sealed class WebServer(WebServerWorkload web, int seed) : GuestModel(web.PagesPerSecond, seed)
    {
        private int _hotStart = -1, _hotPages;

        protected override void WriteOne(SimulatedMemory memory)
        {
            if (_hotStart < 0)
            {
                _hotPages = Math.Max(1, (int)(memory.PageCount * web.HotFraction));
                _hotStart = Rng.Next(memory.PageCount - _hotPages + 1);
            }
            if (Rng.NextDouble() < web.HotShare) memory.Write(_hotStart + Rng.Next(_hotPages), WebServerWorkload.HotMix.Pick(Rng));
            else memory.Write(Rng.Next(memory.PageCount), WebServerWorkload.BackgroundMix.Pick(Rng));
        }
    }
}
