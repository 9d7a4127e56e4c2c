namespace NetMobility.Migration.Content;

/// <summary>
/// Seeds an image with guest-like contents so that codecs and migrations are measured on something that
/// compresses like real memory: runs of pages of one kind (zero, heap, text, code, random) in the shares a
/// <see cref="ContentProfile"/> gives. Deterministic for a seed. Writes through <see cref="MemoryImage.GetPage"/>,
/// so nothing is marked dirty: this is the state before migration starts.
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
            for (int end = Math.Min(image.PageCount, page + run); page < end; page++)
                FillPage(image.GetPage(page), kind, rng, density);
        }
    }

    private static ContentKind PickKind(ContentProfile p, Random rng)
    {
        double x = rng.NextDouble() * p.Total;
        if ((x -= p.Zero) < 0) return ContentKind.Zero;
        if ((x -= p.Heap) < 0) return ContentKind.Heap;
        if ((x -= p.Text) < 0) return ContentKind.Text;
        if ((x -= p.Code) < 0) return ContentKind.Code;
        return ContentKind.Random;
    }

    private static void FillPage(Span<byte> page, ContentKind kind, Random rng, double heapDensity)
    {
        switch (kind)
        {
            case ContentKind.Zero: page.Clear(); break;
            case ContentKind.Heap: PageContent.FillHeap(page, rng, heapDensity); break;
            case ContentKind.Text: PageContent.FillText(page, rng); break;
            case ContentKind.Code: PageContent.FillCode(page, rng); break;
            default: rng.NextBytes(page); break;
        }
    }

    private enum ContentKind { Zero, Heap, Text, Code, Random }
}
