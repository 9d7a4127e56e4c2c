using NetMobility.Migration.Content;

namespace NetMobility.Migration.Workloads;

/// <summary>Performs one workload write of a given kind through <see cref="MemoryImage.Write"/>, from a reusable buffer.</summary>
internal sealed class PageWriter(Random rng)
{
    private readonly byte[] _page = new byte[MemoryImage.PageSize];

    public void Write(MemoryImage image, int pageNumber, WriteKind kind)
    {
        switch (kind)
        {
            case WriteKind.SmallUpdate:
                SmallUpdate(image, pageNumber);
                return;
            case WriteKind.Heap:
                PageContent.FillHeap(_page, rng);
                break;
            case WriteKind.Text:
                PageContent.FillText(_page, rng);
                break;
            case WriteKind.Random:
                rng.NextBytes(_page);
                break;
            case WriteKind.Zero:
                Array.Clear(_page);
                break;
        }
        image.Write(pageNumber, 0, _page);
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
