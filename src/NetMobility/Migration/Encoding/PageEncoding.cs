namespace NetMobility.Migration.Encoding;

/// <summary>How one page travels in the page stream. The value is the wire code; do not renumber.</summary>
public enum PageEncoding : byte
{
    /// <summary>The page's <see cref="MemoryImage.PageSize"/> bytes as they are.</summary>
    Raw = 0,
    /// <summary>Every byte is zero; no payload.</summary>
    Zero = 1,
    /// <summary>The page equals the version last sent; no payload.</summary>
    Unchanged = 2,
    /// <summary>XBZRLE-style runs against the version last sent (see <see cref="XbzrleDelta"/>).</summary>
    Delta = 3,
    /// <summary>An LZ4 block (liblz4) that decompresses to exactly one page.</summary>
    Lz4 = 4,
    /// <summary>A zstd frame (libzstd) that decompresses to exactly one page.</summary>
    Zstd = 5,
    /// <summary>A raw Deflate stream (RFC 1951) that inflates to exactly one page.</summary>
    Deflate = 6,
}
