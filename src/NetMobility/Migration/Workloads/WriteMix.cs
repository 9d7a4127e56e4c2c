namespace NetMobility.Migration.Workloads;

/// <summary>
/// What a workload's page writes look like, as relative weights: small in-place updates of a few bytes
/// (counters, flags, list links), whole-page rewrites with heap-like, text-like or random (already
/// compressed or encrypted) bytes, and pages cleared to zero (freed and scrubbed).
/// </summary>
public readonly record struct WriteMix(double SmallUpdate, double Heap, double Text, double Random, double Zero)
{
    /// <summary>Total weight; a mix needs a positive one.</summary>
    public double Total => SmallUpdate + Heap + Text + Random + Zero;

    internal WriteKind Pick(Random rng)
    {
        double x = rng.NextDouble() * Total;
        if ((x -= SmallUpdate) < 0) return WriteKind.SmallUpdate;
        if ((x -= Heap) < 0) return WriteKind.Heap;
        if ((x -= Text) < 0) return WriteKind.Text;
        if ((x -= Random) < 0) return WriteKind.Random;
        return WriteKind.Zero;
    }

    internal void Check()
    {
        if (SmallUpdate < 0 || Heap < 0 || Text < 0 || Random < 0 || Zero < 0 || !(Total > 0))
            throw new ArgumentOutOfRangeException(nameof(WriteMix), $"a write mix needs non-negative weights with a positive total, not {this}");
    }
}

internal enum WriteKind { SmallUpdate, Heap, Text, Random, Zero }
