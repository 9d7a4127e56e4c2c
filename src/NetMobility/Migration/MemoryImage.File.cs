using System.Diagnostics.CodeAnalysis;
using Microsoft.Win32.SafeHandles;

namespace NetMobility.Migration;

public sealed unsafe partial class MemoryImage
{
    /// <summary>
    /// Seeds an image from a memory dump. Without <paramref name="memoryBytes"/> the image is the dump's
    /// length rounded up to whole pages. With it, a shorter dump fills the start and the rest stays zero;
    /// a longer dump is an error unless <paramref name="truncate"/> says to keep only its first bytes.
    /// Throws <see cref="InvalidDataException"/> or <see cref="IOException"/> with a one-line message.
    /// </summary>
    public static MemoryImage FromFile(string path, long? memoryBytes = null, bool truncate = false)
    {
        if (TryFromFile(path, memoryBytes, truncate, out var image, out var error)) return image;
        throw new InvalidDataException(error);
    }

    /// <summary>As <see cref="FromFile"/>, answering an unreadable or unsuitable dump with a one-line reason.</summary>
    public static bool TryFromFile(string path, long? memoryBytes, bool truncate, [NotNullWhen(true)] out MemoryImage? image, out string? error)
    {
        image = null;
        SafeFileHandle handle;
        long fileLength;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            fileLength = RandomAccess.GetLength(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"{path}: cannot read the memory dump: {ex.Message}";
            return false;
        }
        using (handle)
        {
            long size;
            if (memoryBytes is long requested)
            {
                if (SizeProblem(requested) is string problem) { error = $"{path}: {problem}"; return false; }
                if (fileLength > requested && !truncate)
                {
                    error = $"{path}: the dump holds {fileLength} bytes, more than the {requested}-byte image; give a larger size or ask to truncate";
                    return false;
                }
                size = requested;
            }
            else
            {
                if (fileLength == 0) { error = $"{path}: the dump is empty and no image size was given"; return false; }
                size = (fileLength + PageSize - 1) / PageSize * PageSize;
                if (SizeProblem(size) is string problem) { error = $"{path}: {problem}"; return false; }
            }

            var loaded = new MemoryImage(size);
            try
            {
                long toRead = Math.Min(fileLength, size);
                if (!TryReadInto(handle, loaded, toRead, out error)) { error = $"{path}: {error}"; loaded.Dispose(); return false; }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                loaded.Dispose();
                error = $"{path}: reading the memory dump failed: {ex.Message}";
                return false;
            }
            image = loaded;
            error = null;
            return true;
        }
    }

    /// <summary>Writes the whole image to <paramref name="path"/> (a raw dump that <see cref="FromFile"/> reads back).</summary>
    public void SaveToFile(string path)
    {
        ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
        MakeAllPages();
        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, MemoryBytes);
        const int chunk = 1 << 24;
        for (long at = 0; at < MemoryBytes; at += chunk)
        {
            int length = (int)Math.Min(chunk, MemoryBytes - at);
            RandomAccess.Write(handle, new ReadOnlySpan<byte>(_memory.Pointer + at, length), at);
        }
    }

    private static bool TryReadInto(SafeFileHandle handle, MemoryImage image, long length, out string? error)
    {
        const int chunk = 1 << 24;
        long at = 0;
        while (at < length)
        {
            int want = (int)Math.Min(chunk, length - at);
            int got = RandomAccess.Read(handle, new Span<byte>(image._memory.Pointer + at, want), at);
            if (got == 0) { error = $"the dump ended at byte {at}, before its announced length {length}"; return false; }
            at += got;
        }
        error = null;
        return true;
    }
}
