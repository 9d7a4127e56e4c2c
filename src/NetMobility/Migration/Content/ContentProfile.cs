namespace NetMobility.Migration.Content;

/// <summary>
/// The mix of page kinds in a synthetic guest image, as relative weights, and how long runs of one kind are
/// (real memory is laid out in regions: a heap arena, a mapped library, a file in the page cache).
/// </summary>
public sealed record ContentProfile(string Name, double Zero, double Heap, double Text, double Code, double Random, int MeanRunPages = 16)
{
    /// <summary>A server a while after boot: a third never touched, heaps, page cache and code, some compressed data.</summary>
    public static ContentProfile Typical { get; } = new("typical", Zero: 0.35, Heap: 0.25, Text: 0.18, Code: 0.12, Random: 0.10);

    /// <summary>A freshly booted, mostly idle guest: most memory is still zero.</summary>
    public static ContentProfile FreshBoot { get; } = new("fresh-boot", Zero: 0.75, Heap: 0.10, Text: 0.05, Code: 0.08, Random: 0.02);

    /// <summary>A guest full of media or encrypted data: little compresses.</summary>
    public static ContentProfile Dense { get; } = new("dense", Zero: 0.05, Heap: 0.20, Text: 0.10, Code: 0.05, Random: 0.60);

    public static IReadOnlyList<ContentProfile> All { get; } = [Typical, FreshBoot, Dense];

    public double Total => Zero + Heap + Text + Code + Random;

    public static bool TryFind(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ContentProfile? profile)
    {
        foreach (var p in All)
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) { profile = p; return true; }
        profile = null;
        return false;
    }

    internal void Check()
    {
        if (Zero < 0 || Heap < 0 || Text < 0 || Code < 0 || Random < 0 || !(Total > 0) || MeanRunPages < 1)
            throw new ArgumentOutOfRangeException(nameof(ContentProfile), $"a content profile needs non-negative weights with a positive total and runs of at least one page, not {this}");
    }
}
