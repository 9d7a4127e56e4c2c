using NetMobility.Migration.PageStream;

namespace NetMobility.Migration.Engine;

/// <summary>
/// Dirty pages by comparison, for a guest whose writes mark nothing (another process runs it, and this kernel has no
/// soft-dirty bits): a page is dirty when its leaf now (<see cref="PageDigestTable.Leaf"/>: XXH3-128 seeded with the page
/// number, 0 for zeros) differs from the leaf the source's digest table holds for it, which is the leaf of the contents
/// last encoded for the destination.
/// <para>
/// Why against what was last sent and not what was last scanned: a page a scan saw as A may be read as B when a round
/// sends it (the guest runs meanwhile) and turn back into A afterwards; a scan-to-scan comparison sees A again and calls
/// it clean while the destination holds B. Comparing with the sent leaf finds every page the destination would hold
/// differently, whatever happened in between. Why a hash and not a shadow copy of sent pages: the table already holds the leaf of every sent page (it
/// is the image digest's sum, kept as channels encode), so the comparison costs one read of the guest's memory and no
/// second copy of it (a shadow copy would double the memory and the bytes read, and a copy at every send). A changed
/// page whose 128-bit hash equals the old one would be missed, with odds of about 2^-128 per page.
/// </para>
/// <para>
/// Fast: the pages are split into chunks of 64-page words scanned in parallel on every core; a page of zeros is
/// recognised by a vectorised check before any hash, and XXH3 itself is vectorised. Nothing is allocated per page.
/// Run it only while no channel encodes (between rounds, or with the guest paused): it reads the table's leaves.
/// </para>
/// </summary>
internal static unsafe class SentContentScan
{
    /// <summary>Pages per parallel chunk: 4096 pages (16 MiB), a multiple of 64 so that chunks mark different log words.</summary>
    private const int ChunkPages = 4096;

    /// <summary>Marks in <paramref name="log"/> every page of <paramref name="image"/> whose contents differ from what <paramref name="sent"/> holds; returns how many.</summary>
    public static int Run(MemoryImage image, PageDigestTable sent, DirtyLog log)
    {
        int pages = image.PageCount;
        int chunks = (pages + ChunkPages - 1) / ChunkPages;
        int found = 0;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => 0, (chunk, _, count) =>
        {
            int end = Math.Min(pages, (chunk + 1) * ChunkPages);
            Span<byte> scratch = stackalloc byte[MemoryImage.PageSize];
            for (int page = chunk * ChunkPages; page < end; page++)
            {
                byte* at = image.PeekPage(page);
                var contents = at != null ? new ReadOnlySpan<byte>(at, MemoryImage.PageSize) : image.ReadPage(page, scratch);
                if (PageDigestTable.Leaf(page, contents) == sent.LeafOf(page)) continue;
                log.Mark(page);
                count++;
            }
            return count;
        }, count => Interlocked.Add(ref found, count));
        return found;
    }
}
