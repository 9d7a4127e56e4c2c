namespace NetMobility.Migration.Content;

/// <summary>
/// Seeds an image with guest-like contents so that codecs and migrations are measured on something that
/// compresses like real memory: runs of pages of one kind (zero, heap, text, code, random) in the shares a
/// <see cref="ContentProfile"/> gives. Deterministic for a seed. Each page is seeded as a recipe
/// (<see cref="MemoryImage.SeedDeferred"/>), made when it is first read, so seeding costs eight bytes a page and an
/// image costs memory only for what is read back into it; nothing is marked dirty: this is the state before migration starts.
/// </summary>
public static class RealisticContent
{
    public static void Fill(MemoryImage image, int seed, ContentProfile profile)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(profile);
        profile.Check();
        var rng = new Random(seed);
        int page = 0;
        while (page < image.PageCount)
        {
            var kind = PickKind(profile, rng);
            // Geometric run lengths with the profile's mean.
            int run = 1 + (int)Math.Min(image.PageCount, -Math.Log(1 - rng.NextDouble()) * (profile.MeanRunPages - 1));
            double density = 0.2 + 0.75 * rng.NextDouble();
            var heapDensity = (byte)Math.Round(density * 255);
            for (int end = Math.Min(image.PageCount, page + run); page < end; page++)
                image.SeedDeferred(page, new PageRecipe(kind, (uint)rng.Next(), heapDensity));
        }
    }

    private static PageKind PickKind(ContentProfile p, Random rng)
    {
        double x = rng.NextDouble() * p.Total;
        if ((x -= p.Zero) < 0) return PageKind.Zero;
        if ((x -= p.Heap) < 0) return PageKind.Heap;
        if ((x -= p.Text) < 0) return PageKind.Text;
        if ((x -= p.Code) < 0) return PageKind.Code;
        return PageKind.Random;
    }
}
