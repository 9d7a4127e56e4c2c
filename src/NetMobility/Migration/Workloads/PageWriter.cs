using NetMobility.Migration.Content;

namespace NetMobility.Migration.Workloads;

/// <summary>Performs one workload write of a given kind: a small update through <see cref="MemoryImage.Write"/>, a whole page as a recipe.</summary>
internal sealed class PageWriter(Random rng)
{
    /// <summary>Writes carried out through this writer.</summary>
    public long Performed { get; private set; }

    public void Write(MemoryImage image, int pageNumber, WriteKind kind)
    {
        Performed++;
        if (kind == WriteKind.SmallUpdate)
        {
            SmallUpdate(image, pageNumber);
            return;
        }
        // A whole-page rewrite is a recipe: the page is made when it is read, so rewrites no one reads cost nothing.
        var page = kind switch
        {
            WriteKind.Heap => PageKind.Heap,
            WriteKind.Text => PageKind.Text,
            WriteKind.Random => PageKind.Random,
            _ => PageKind.Zero,
        };
        image.WriteDeferred(pageNumber, new PageRecipe(page, (uint)rng.Next()));
    }

    // A counter bumped, a flag flipped, a list link rewritten: 1 to 16 bytes at an aligned place in the page.
    private void SmallUpdate(MemoryImage image, int pageNumber)
    {
        Span<byte> bytes = stackalloc byte[16];
        int length = 1 << rng.Next(5);
        int offset = rng.Next(MemoryImage.PageSize / length) * length;
        var current = image.GetPage(pageNumber).Slice(offset, length);
        if (length == 8)
        {
            ulong value = BitConverter.ToUInt64(current) + 1;
            BitConverter.TryWriteBytes(bytes, value);
        }
        else
        {
            rng.NextBytes(bytes[..length]);
        }
        image.Write(pageNumber, offset, bytes[..length]);
    }
}
