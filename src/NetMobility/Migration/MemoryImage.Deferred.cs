using System.Security.Cryptography;
using NetMobility.Migration.Content;

namespace NetMobility.Migration;

/// <summary>
/// Pages whose contents are made when they are read. A workload's whole-page write and the seeding of an image
/// with content store a <see cref="PageRecipe"/> (eight bytes) instead of four kilobytes: the page is made into the
/// image when something reads it through <see cref="GetPage"/>, or into the caller's buffer through
/// <see cref="ReadPage"/>, which keeps nothing. So a large simulated image costs memory for what is read back into
/// it, and a guest that rewrites a page a thousand times between two reads costs one page made, not a thousand.
/// </summary>
public sealed unsafe partial class MemoryImage
{
    // One packed recipe per page in an anonymous mapping (untouched parts cost nothing); 0: the image holds the page.
    private readonly NativePageMemory _recipes;
    private long _pagesMade;

    /// <summary>What the image costs in memory now: its pages the kernel holds (not its size), and its recipes'.</summary>
    public long ResidentBytes => _memory.ResidentBytes() + _recipes.ResidentBytes();

    /// <summary>Pages made from recipes so far, into the image or a reader's buffer: the work deferred writes left.</summary>
    public long PagesMade => Interlocked.Read(ref _pagesMade);

    /// <summary>
    /// A guest write of a whole page: from now on the page holds what <paramref name="recipe"/> makes, and it is marked
    /// dirty (after the recipe is in place, as <see cref="Write"/> marks after its copy).
    /// </summary>
    public void WriteDeferred(int pageNumber, PageRecipe recipe)
    {
        CheckPage(pageNumber);
        CheckWritable();
        Volatile.Write(ref RecipeSlot(pageNumber), recipe.Pack());
        DirtyLog.Mark(pageNumber);
    }

    /// <summary>Seeds the page with what <paramref name="recipe"/> makes, marking nothing (the state before a migration).</summary>
    public void SeedDeferred(int pageNumber, PageRecipe recipe)
    {
        CheckPage(pageNumber);
        CheckWritable();
        Volatile.Write(ref RecipeSlot(pageNumber), recipe.Pack());
    }

    /// <summary>
    /// The page's contents for reading: the image's own bytes, or, for a page still a recipe, the page made into
    /// <paramref name="scratch"/> (<see cref="PageSize"/> bytes), which the image does not keep.
    /// </summary>
    public ReadOnlySpan<byte> ReadPage(int pageNumber, Span<byte> scratch)
    {
        CheckPage(pageNumber);
        ulong packed = Volatile.Read(ref RecipeSlot(pageNumber));
        if (packed == 0)
        {
            var own = new ReadOnlySpan<byte>(PagePointer(pageNumber), PageSize);
            if (!IsLive) return own;
            // Another process writes these pages as they are read: the reader gets one moment's copy, so that what it
            // encodes and what it hashes are the same bytes.
            own.CopyTo(scratch);
            return scratch[..PageSize];
        }
        var page = scratch[..PageSize];
        PageRecipe.Unpack(packed).Make(page);
        Interlocked.Increment(ref _pagesMade);
        return page;
    }

    /// <summary>Makes every page that is still a recipe into the image (before the image is written out whole).</summary>
    public void MakeAllPages()
    {
        for (int p = 0; p < PageCount; p++) MakePage(p);
    }

    private ref ulong RecipeSlot(int pageNumber) => ref ((ulong*)_recipes.Pointer)[pageNumber];

    /// <summary>
    /// Makes the page from its recipe into the image, if it has one. A recipe stored meanwhile (the guest wrote the
    /// page again) stays: the compare-exchange leaves it for the next reader, and the page is dirty again anyway.
    /// </summary>
    private void MakePage(int pageNumber)
    {
        ref ulong slot = ref RecipeSlot(pageNumber);
        ulong packed = Volatile.Read(ref slot);
        if (packed == 0) return;
        var recipe = PageRecipe.Unpack(packed);
        // A page of zeros is given back to the kernel rather than cleared: it reads as zeros and costs nothing.
        if (recipe.Kind == PageKind.Zero) _memory.Discard((long)pageNumber * PageSize, PageSize);
        else recipe.Make(new Span<byte>(PagePointer(pageNumber), PageSize));
        Interlocked.Increment(ref _pagesMade);
        Interlocked.CompareExchange(ref slot, 0, packed);
    }

    private void HashPages(IncrementalHash hash)
    {
        Span<byte> scratch = stackalloc byte[PageSize];
        for (int p = 0; p < PageCount; p++) hash.AppendData(ReadPage(p, scratch));
    }
}
