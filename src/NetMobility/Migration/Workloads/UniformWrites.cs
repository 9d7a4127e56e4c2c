namespace NetMobility.Migration.Workloads;

/// <summary>
/// Page writes that land uniformly on a range of pages, performed at a cost bounded by the range rather than by
/// their number. A guest in virtual time can be asked for hours of writes at once (a slow link makes for a long
/// round), and a hot page written ten thousand times shows only its last whole-page rewrite and the small updates
/// after it; so when the writes outnumber the pages, they are drawn page by page: how many land
/// on the page (Poisson, as many uniform writes give), then its writes from the last one back until a whole-page
/// rewrite, which are the ones performed, in order. The dirty pages and the contents come out as the one-by-one
/// writes would give them; only which random bytes they hold differs. So one step costs at most about one write
/// per page of the range, however long the step.
/// </summary>
internal static class UniformWrites
{
    /// <summary>Up to this many writes per page of the range, writes are performed one by one (beyond it, page by page costs less).</summary>
    public const int OneByOneUpToPerPage = 1;

    /// <summary>The small updates after a page's last rewrite that are performed at most (a mix of nothing but small updates would otherwise cost one per write).</summary>
    public const int MaxSmallUpdatesPerPage = 64;

    /// <summary>Performs <paramref name="writes"/> writes of <paramref name="mix"/> on pages chosen uniformly from <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
    public static void Perform(PageWriter writer, Random rng, MemoryImage image, int first, int count, long writes, WriteMix mix)
    {
        if (writes <= (long)OneByOneUpToPerPage * count)
        {
            for (long i = 0; i < writes; i++) writer.Write(image, first + rng.Next(count), mix.Pick(rng));
            return;
        }
        double mean = (double)writes / count;
        for (int p = 0; p < count; p++)
        {
            long landed = Poisson(rng, mean);
            int smallUpdates = 0;
            WriteKind? rewrite = null;
            for (long k = 0; k < landed && smallUpdates < MaxSmallUpdatesPerPage; k++)
            {
                var kind = mix.Pick(rng);
                if (kind != WriteKind.SmallUpdate)
                {
                    rewrite = kind;
                    break;
                }
                smallUpdates++;
            }
            if (rewrite is WriteKind whole) writer.Write(image, first + p, whole);
            for (int s = 0; s < smallUpdates; s++) writer.Write(image, first + p, WriteKind.SmallUpdate);
        }
    }

    /// <summary>A Poisson draw: by products of uniforms for a small mean, by the normal approximation for a large one.</summary>
    private static long Poisson(Random rng, double mean)
    {
        if (mean < 30)
        {
            double limit = Math.Exp(-mean), product = rng.NextDouble();
            long n = 0;
            while (product > limit)
            {
                n++;
                product *= rng.NextDouble();
            }
            return n;
        }
        // Box-Muller; 1 - NextDouble() lies in (0, 1], so the logarithm is finite.
        double gauss = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return Math.Max(0, (long)Math.Round(mean + Math.Sqrt(mean) * gauss));
    }
}
