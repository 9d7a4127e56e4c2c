namespace NetMobility.Migration.Content;

/// <summary>What a whole page of synthetic contents is: zeros, heap, text, code or random bytes.</summary>
public enum PageKind : byte { Zero = 1, Heap, Text, Code, Random }

/// <summary>
/// How to make one page's contents (<see cref="PageContent"/>): its kind, the seed of its random numbers and, for a
/// heap page, the share of slots in use. Eight bytes stand for four kilobytes: an image keeps a recipe instead of a
/// page written by a workload or seeded with content until the page is read (<see cref="MemoryImage.WriteDeferred"/>).
/// </summary>
public readonly record struct PageRecipe(PageKind Kind, uint Seed, byte HeapDensity = 179)
{
    /// <summary>The heap density as a fraction (the default 179/255 is about 0.7).</summary>
    public double Density => HeapDensity / 255.0;

    /// <summary>Makes the page into <paramref name="page"/> (<see cref="MemoryImage.PageSize"/> bytes).</summary>
    public void Make(Span<byte> page)
    {
        var rng = new PageRandom(Seed);
        switch (Kind)
        {
            case PageKind.Zero: page.Clear(); break;
            case PageKind.Heap: PageContent.FillHeap(page, ref rng, Density); break;
            case PageKind.Text: PageContent.FillText(page, ref rng); break;
            case PageKind.Code: PageContent.FillCode(page, ref rng); break;
            default: rng.NextBytes(page); break;
        }
    }

    /// <summary>Never 0, so that 0 can mean "no recipe".</summary>
    internal ulong Pack() => (ulong)Kind << 56 | (ulong)HeapDensity << 32 | Seed;

    internal static PageRecipe Unpack(ulong packed) => new((PageKind)(packed >> 56), (uint)packed, (byte)(packed >> 32));
}
