namespace NetMobility.Migration;

/// <summary>
/// Destination side of page compression. Stateless: the page buffer itself holds the previously received
/// version (Delta applies to it, Unchanged leaves it). Bad payloads answer false with a one-line reason and
/// leave the page as it was.
/// </summary>
public static class PageDecoder
{
    private const int PageSize = MemoryImage.PageSize;

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
                page.Clear();
                break;
            case PageEncoding.Unchanged:
                if (!payload.IsEmpty) { error = $"unchanged page carries {payload.Length} payload bytes, expected none"; return false; }
                break;
            default:
                error = $"unknown page encoding {(byte)encoding}";
                return false;
        }
        error = null;
        return true;
    }
}
