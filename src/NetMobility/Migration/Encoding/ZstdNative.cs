using System.Runtime.InteropServices;

namespace NetMobility.Migration.Encoding;

/// <summary>zstd from Debian's libzstd (package libzstd1), by its exact soname. Contexts are reused: creating one per page would cost more than compressing it.</summary>
internal static unsafe partial class ZstdNative
{
    public const string Library = "libzstd.so.1";

    private static readonly Lazy<bool> Loaded = new(() => NativeLibrary.TryLoad(Library, typeof(ZstdNative).Assembly, null, out _));

    public static bool IsAvailable => Loaded.Value;

    public const string Missing = $"{Library} is not available (install the libzstd1 package)";

    /// <summary>Returns the frame size, or -1 when the output does not fit <paramref name="destination"/> or zstd fails.</summary>
    public static int Compress(ZstdCompressContext context, ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint result = CompressCCtx(context.DangerousGetHandle(), dst, (nuint)destination.Length, src, (nuint)source.Length, level);
            return IsError(result) != 0 ? -1 : (int)result;
        }
    }

    /// <summary>Returns the decompressed size, or -1 with zstd's reason for a malformed frame or one that overruns <paramref name="destination"/>.</summary>
    public static int Decompress(ZstdDecompressContext context, ReadOnlySpan<byte> source, Span<byte> destination, out string? error)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint result = DecompressDCtx(context.DangerousGetHandle(), dst, (nuint)destination.Length, src, (nuint)source.Length);
            if (IsError(result) != 0)
            {
                error = Marshal.PtrToStringUTF8(GetErrorName(result)) ?? "unknown zstd error";
                return -1;
            }
            error = null;
            return (int)result;
        }
    }

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    internal static partial nint CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    internal static partial nuint FreeCCtx(nint context);

    [LibraryImport(Library, EntryPoint = "ZSTD_createDCtx")]
    internal static partial nint CreateDCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDCtx")]
    internal static partial nuint FreeDCtx(nint context);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressCCtx")]
    private static partial nuint CompressCCtx(nint context, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize, int level);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressDCtx")]
    private static partial nuint DecompressDCtx(nint context, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    private static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    private static partial nint GetErrorName(nuint code);
}

/// <summary>A ZSTD_CCtx, freed when disposed or finalised.</summary>
internal sealed class ZstdCompressContext : SafeHandle
{
    public ZstdCompressContext() : base(0, ownsHandle: true)
    {
        SetHandle(ZstdNative.CreateCCtx());
        if (IsInvalid) throw new OutOfMemoryException("ZSTD_createCCtx failed");
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        ZstdNative.FreeCCtx(handle);
        return true;
    }
}

/// <summary>A ZSTD_DCtx, freed when disposed or finalised.</summary>
internal sealed class ZstdDecompressContext : SafeHandle
{
    public ZstdDecompressContext() : base(0, ownsHandle: true)
    {
        SetHandle(ZstdNative.CreateDCtx());
        if (IsInvalid) throw new OutOfMemoryException("ZSTD_createDCtx failed");
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        ZstdNative.FreeDCtx(handle);
        return true;
    }
}
