using System.Runtime.InteropServices;

namespace NetMobility.Migration;

/// <summary>
/// Page-aligned, zero-filled native memory for a <see cref="MemoryImage"/>. On Linux and macOS it is an
/// anonymous private mapping: the kernel hands out zero pages lazily, so a multi-GiB image costs memory
/// only for the pages that are written. Elsewhere it falls back to an aligned allocation cleared once.
/// </summary>
internal sealed unsafe partial class NativePageMemory : SafeHandle
{
    private const int ProtRead = 0x1, ProtWrite = 0x2;
    private const int MapShared = 0x01, MapPrivate = 0x02;
    private static readonly int MapAnonymous = OperatingSystem.IsMacOS() ? 0x1000 : 0x20;
    // Linux: no swap reservation up front, so a sparse multi-GiB image maps under heuristic overcommit.
    private static readonly int MapNoReserve = OperatingSystem.IsLinux() ? 0x4000 : 0;
    private static readonly nint MapFailed = -1;

    private readonly bool _mapped;

    public long Length { get; }

    public byte* Pointer => (byte*)handle;

    private NativePageMemory(nint address, long length, bool mapped) : base(0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
        _mapped = mapped;
    }

    public override bool IsInvalid => handle == 0;

    public static NativePageMemory Allocate(long length)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            nint address = Mmap(0, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
            if (address == MapFailed)
                throw new OutOfMemoryException($"cannot map {length} bytes of anonymous memory (errno {Marshal.GetLastPInvokeError()})");
            return new NativePageMemory(address, length, mapped: true);
        }
        void* block = NativeMemory.AlignedAlloc((nuint)length, MemoryImage.PageSize);
        NativeMemory.Clear(block, (nuint)length);
        return new NativePageMemory((nint)block, length, mapped: false);
    }

    /// <summary>
    /// A shared mapping of <paramref name="length"/> bytes of an open file (Linux): what another process maps of the same
    /// file (a QEMU guest's RAM on a memory-backend-file with share=on) is the same memory, in both directions. Read-only
    /// unless <paramref name="writable"/>. The descriptor may be closed once mapped.
    /// </summary>
    public static NativePageMemory MapFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long length, bool writable)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("shared file mappings of guest RAM need Linux");
        int protection = writable ? ProtRead | ProtWrite : ProtRead;
        nint address = Mmap(0, (nuint)length, protection, MapShared, (int)file.DangerousGetHandle(), 0);
        if (address == MapFailed)
            throw new IOException($"cannot map {length} bytes of the file (errno {Marshal.GetLastPInvokeError()})");
        return new NativePageMemory(address, length, mapped: true) { IsFileMapping = true };
    }

    /// <summary>True for a shared mapping of a file: its pages are the file's, and nothing here may discard them.</summary>
    public bool IsFileMapping { get; private init; }

    /// <summary>
    /// Makes <paramref name="length"/> bytes at <paramref name="offset"/> (whole pages) zero. A mapping gives them
    /// back to the kernel (madvise MADV_DONTNEED: a private anonymous page then reads as zeros and costs nothing).
    /// </summary>
    public void Discard(long offset, long length)
    {
        if (_mapped && !IsFileMapping && OperatingSystem.IsLinux() && Madvise(handle + (nint)offset, (nuint)length, MadvDontNeed) == 0) return;
        NativeMemory.Clear(Pointer + offset, (nuint)length);
    }

    private const int MadvDontNeed = 4;

    /// <summary>Bytes of the memory the kernel holds for it now (mincore): what it costs, as against its length.</summary>
    public long ResidentBytes()
    {
        if (!_mapped || !OperatingSystem.IsLinux()) return Length;
        const long chunk = 1L << 30;
        var vector = new byte[chunk / MemoryImage.PageSize];
        long resident = 0;
        for (long at = 0; at < Length; at += chunk)
        {
            long length = Math.Min(chunk, Length - at);
            fixed (byte* v = vector)
            {
                if (Mincore(handle + (nint)at, (nuint)length, v) != 0) return Length;
            }
            for (long p = 0; p < (length + MemoryImage.PageSize - 1) / MemoryImage.PageSize; p++) resident += vector[p] & 1;
        }
        return resident * MemoryImage.PageSize;
    }

    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int Mincore(nint address, nuint length, byte* vector);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    protected override bool ReleaseHandle()
    {
        if (_mapped) return Munmap(handle, (nuint)Length) == 0;
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
