using System.Runtime.InteropServices;

namespace NetMobility.Migration.Encoding;

/// <summary>LZ4 block compression from Debian's liblz4 (package liblz4-1), by its exact soname.</summary>
internal static unsafe partial class Lz4Native
{
    public const string Library = "liblz4.so.1";

    private static readonly Lazy<bool> Loaded = new(() => NativeLibrary.TryLoad(Library, typeof(Lz4Native).Assembly, null, out _));

    public static bool IsAvailable => Loaded.Value;

    public const string Missing = $"{Library} is not available (install the liblz4-1 package)";

    /// <summary>Returns the compressed size, or 0 when the output would not fit <paramref name="destination"/>.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
            return CompressDefault(src, dst, source.Length, destination.Length);
    }

    /// <summary>Returns the decompressed size, or a negative number for a malformed block or one that overruns <paramref name="destination"/>.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
            return DecompressSafe(src, dst, source.Length, destination.Length);
    }

    [LibraryImport(Library, EntryPoint = "LZ4_compress_default")]
    private static partial int CompressDefault(byte* source, byte* destination, int sourceSize, int destinationCapacity);

    [LibraryImport(Library, EntryPoint = "LZ4_decompress_safe")]
    private static partial int DecompressSafe(byte* source, byte* destination, int compressedSize, int destinationCapacity);
}
