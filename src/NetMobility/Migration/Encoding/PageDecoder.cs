namespace NetMobility.Migration.Encoding;

/// <summary>
/// Destination side of page compression. Stateless: the page buffer itself holds the previously received
/// version (Delta applies to it, Unchanged leaves it). Bad payloads answer false with a one-line reason and
/// leave the page as it was: compressed pages are decoded into a scratch page first, deltas are checked whole
/// before they are applied.
/// </summary>
public static class PageDecoder
{
    private const int PageSize = MemoryImage.PageSize;

    [ThreadStatic] private static ZstdDecompressContext? t_zstd;

    public static bool TryDecode(PageEncoding encoding, ReadOnlySpan<byte> payload, Span<byte> page, out string? error)
    {
        if (page.Length != PageSize) { error = $"the page buffer is {page.Length} bytes, not {PageSize}"; return false; }
        switch (encoding)
        {
            case PageEncoding.Raw:
                if (payload.Length != PageSize) { error = $"raw page payload is {payload.Length} bytes, not {PageSize}"; return false; }
                payload.CopyTo(page);
                break;
            case PageEncoding.Zero:
                if (!payload.IsEmpty) { error = $"zero page carries {payload.Length} payload bytes, expected none"; return false; }
                // A page that is zero already is only read: on a fresh destination that leaves untouched memory
                // unallocated (QEMU's receiver checks the same way before it clears a page).
                if (!ZeroPage.IsZero(page)) page.Clear();
                break;
            case PageEncoding.Unchanged:
                if (!payload.IsEmpty) { error = $"unchanged page carries {payload.Length} payload bytes, expected none"; return false; }
                break;
            case PageEncoding.Delta:
                return XbzrleDelta.TryApply(payload, page, out error);
            case PageEncoding.Lz4:
            case PageEncoding.Zstd:
            case PageEncoding.Deflate:
                return TryDecompress(encoding, payload, page, out error);
            default:
                error = $"unknown page encoding {(byte)encoding}";
                return false;
        }
        error = null;
        return true;
    }

    private static bool TryDecompress(PageEncoding encoding, ReadOnlySpan<byte> payload, Span<byte> page, out string? error)
    {
        Span<byte> scratch = stackalloc byte[PageSize];
        if (payload.IsEmpty) { error = $"{Describe(encoding)}: empty payload"; return false; }
        if (payload.Length >= PageSize) { error = $"{Describe(encoding)}: payload of {payload.Length} bytes is not smaller than a page"; return false; }
        if (!TryDecompressBlock(encoding, payload, scratch, out error)) return false;
        scratch.CopyTo(page);
        error = null;
        return true;
    }

    /// <summary>
    /// Inflates a block of several packed entries (a packed batch, docs/page-stream.md sec 3.7), which must come
    /// out exactly <paramref name="destination"/>'s length. On failure the destination holds no meaning.
    /// </summary>
    public static bool TryDecompressBlock(PageEncoding method, ReadOnlySpan<byte> block, Span<byte> destination, out string? error)
    {
        switch (method)
        {
            case PageEncoding.Lz4:
                if (!Lz4Native.IsAvailable) { error = Lz4Native.Missing; return false; }
                int lz4 = Lz4Native.Decompress(block, destination);
                if (lz4 < 0) { error = "lz4: malformed block"; return false; }
                if (lz4 != destination.Length) { error = $"lz4: block decompresses to {lz4} bytes, not {destination.Length}"; return false; }
                break;
            case PageEncoding.Zstd:
                if (!ZstdNative.IsAvailable) { error = ZstdNative.Missing; return false; }
                int zstd = ZstdNative.Decompress(t_zstd ??= new ZstdDecompressContext(), block, destination, out var reason);
                if (zstd < 0) { error = $"zstd: {reason}"; return false; }
                if (zstd != destination.Length) { error = $"zstd: frame decompresses to {zstd} bytes, not {destination.Length}"; return false; }
                break;
            case PageEncoding.Deflate:
                return DeflatePageCodec.TryDecompress(block, destination, out error);
            default:
                error = $"{(byte)method} is not a block compression method";
                return false;
        }
        error = null;
        return true;
    }

    private static string Describe(PageEncoding encoding) => encoding.ToString().ToLowerInvariant();
}
