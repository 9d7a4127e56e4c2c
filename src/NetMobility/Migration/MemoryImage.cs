using System.Security.Cryptography;

namespace NetMobility.Migration;

/// <summary>
/// The guest memory of a virtual machine: <see cref="PageCount"/> pages of <see cref="PageSize"/> bytes in
/// native memory (never a managed copy, so images of several GiB are fine), with a <see cref="DirtyLog"/>
/// that records the pages a workload writes. The source side reads pages with <see cref="GetPage"/>; the
/// destination side writes received pages through <see cref="GetPage"/> too, which marks nothing.
/// </summary>
public sealed unsafe partial class MemoryImage : IDisposable
{
    public const int PageSize = 4096;
    /// <summary>The largest image: the page number must fit an int.</summary>
    public const long MaxMemoryBytes = (long)int.MaxValue * PageSize;

    private readonly NativePageMemory _memory;

    /// <summary>A zero-filled image of <paramref name="memoryBytes"/> bytes, a positive multiple of <see cref="PageSize"/>.</summary>
    public MemoryImage(long memoryBytes) : this(memoryBytes, NativePageMemory.Allocate, live: false, writable: true)
    {
    }

    private MemoryImage(long memoryBytes, Func<long, NativePageMemory> memory, bool live, bool writable)
    {
        if (SizeProblem(memoryBytes) is string problem) throw new ArgumentOutOfRangeException(nameof(memoryBytes), problem);
        MemoryBytes = memoryBytes;
        PageCount = (int)(memoryBytes / PageSize);
        IsLive = live;
        IsWritable = writable;
        _memory = memory(memoryBytes);
        _recipes = NativePageMemory.Allocate((long)PageCount * sizeof(ulong));
        DirtyLog = new DirtyLog(PageCount);
    }

    public long MemoryBytes { get; }

    public int PageCount { get; }

    public DirtyLog DirtyLog { get; }

    /// <summary>
    /// Direct access to one page, without dirty marking (receiver, content seeding, tests); a page that is still a
    /// recipe is made into the image first. A reader that keeps nothing takes <see cref="ReadPage"/> instead.
    /// </summary>
    public Span<byte> GetPage(int pageNumber)
    {
        CheckPage(pageNumber);
        CheckWritable();
        MakePage(pageNumber);
        return new Span<byte>(PagePointer(pageNumber), PageSize);
    }

    /// <summary>
    /// A guest write: copies <paramref name="data"/> into the page at <paramref name="offset"/> and then marks
    /// the page dirty. Marking after the copy is what keeps pre-copy correct: a round that collects the dirty
    /// bit before the copy finishes may send a torn page, but the bit set afterwards makes it go again.
    /// </summary>
    public void Write(int pageNumber, int offset, ReadOnlySpan<byte> data)
    {
        CheckPage(pageNumber);
        if ((uint)offset > PageSize || data.Length > PageSize - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"a write of {data.Length} bytes at offset {offset} does not fit a {PageSize}-byte page");
        CheckWritable();
        // A write of the whole page replaces a recipe; a part of one lands on the page the recipe makes.
        if (data.Length == PageSize) Volatile.Write(ref RecipeSlot(pageNumber), 0UL);
        else MakePage(pageNumber);
        data.CopyTo(new Span<byte>(PagePointer(pageNumber) + offset, PageSize - offset));
        DirtyLog.Mark(pageNumber);
    }

    /// <summary>SHA-256 over the whole image in page order: both ends compare it at switchover.</summary>
    public byte[] ComputeDigest()
    {
        ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        HashPages(hash);
        return hash.GetHashAndReset();
    }

    public void Dispose()
    {
        _memory.Dispose();
        _recipes.Dispose();
    }

    private byte* PagePointer(int pageNumber) => _memory.Pointer + (long)pageNumber * PageSize;

    private void CheckPage(int pageNumber)
    {
        ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
        if ((uint)pageNumber >= (uint)PageCount)
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is outside an image of {PageCount} pages");
    }

    private static string? SizeProblem(long memoryBytes) =>
        memoryBytes <= 0 ? $"an image needs a positive size, not {memoryBytes} bytes"
        : memoryBytes % PageSize != 0 ? $"an image size must be a multiple of {PageSize} bytes, not {memoryBytes}"
        : memoryBytes > MaxMemoryBytes ? $"an image of {memoryBytes} bytes has more pages than an int can number"
        : null;
}
