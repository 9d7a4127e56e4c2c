using Microsoft.Win32.SafeHandles;

namespace NetMobility.Migration;

/// <summary>
/// An image over another process's memory: a shared mapping of the file that holds a guest's RAM (QEMU's
/// <c>memory-backend-file,share=on</c> on /dev/shm). No copy is made: the source engine reads the running guest's pages
/// where they are, and the destination engine writes received pages in place into the destination QEMU's RAM.
/// </summary>
public sealed unsafe partial class MemoryImage
{
    /// <summary>
    /// True when the pages change without <see cref="Write"/> (another process runs the guest): no write marks the
    /// <see cref="DirtyLog"/>, so changed pages are found by comparing contents, and <see cref="ReadPage"/> hands out a
    /// copy taken at one moment rather than the live bytes.
    /// </summary>
    public bool IsLive { get; }

    /// <summary>False for a read-only mapping (the source side): <see cref="GetPage"/> and the writes refuse.</summary>
    public bool IsWritable { get; }

    /// <summary>
    /// Maps the whole of the file at <paramref name="path"/> (its length, a positive multiple of <see cref="PageSize"/>)
    /// shared: read-only for a source that only reads the guest's RAM, writable for a destination that writes it in
    /// place. The file is neither truncated nor extended: the process that owns it has it mapped too.
    /// Throws <see cref="IOException"/> or <see cref="InvalidDataException"/> with a one-line message.
    /// </summary>
    public static MemoryImage MapShared(string path, bool writable)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new IOException($"{path}: cannot open the guest's RAM file: {ex.Message}", ex);
        }
        using (handle)
        {
            long length = RandomAccess.GetLength(handle);
            if (SizeProblem(length) is string problem) throw new InvalidDataException($"{path}: {problem}");
            return new MemoryImage(length, size => NativePageMemory.MapFile(handle, size, writable), live: true, writable);
        }
    }

    /// <summary>
    /// The page's bytes where they are, for a reader that only hashes or compares them (no copy; a live image's page may
    /// change while it is read). Null for a page that is still a recipe: that one is read through <see cref="ReadPage"/>.
    /// </summary>
    internal byte* PeekPage(int pageNumber)
    {
        CheckPage(pageNumber);
        return Volatile.Read(ref RecipeSlot(pageNumber)) == 0 ? PagePointer(pageNumber) : null;
    }

    private void CheckWritable()
    {
        if (!IsWritable) throw new InvalidOperationException("this image is a read-only mapping of another process's memory");
    }
}
