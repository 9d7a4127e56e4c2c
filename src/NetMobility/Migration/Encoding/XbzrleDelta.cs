using System.Buffers.Binary;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// XBZRLE-style delta of a page against its last-sent version, as QEMU's xbzrle encodes it: the page is a
/// sequence of (unchanged run, changed run) pairs, each run length a ULEB128 number of at most two bytes
/// (so below 16384), each changed run followed by the new bytes. The first unchanged run may be empty, the
/// others are not; a changed run is never empty; an unchanged tail is not encoded.
/// </summary>
public static class XbzrleDelta
{
    private const int PageSize = MemoryImage.PageSize;
    // Splitting a changed run around an unchanged stretch costs two length bytes; shorter stretches stay in the literal.
    private const int MinUnchangedRun = 3;

    /// <summary>
    /// Encodes the delta from <paramref name="previous"/> to <paramref name="current"/> into <paramref name="destination"/>,
    /// giving up (returns -1) as soon as it would exceed <paramref name="limit"/> bytes. Returns 0 for equal pages.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, Span<byte> destination, int limit)
    {
        if (previous.Length != PageSize || current.Length != PageSize) throw new ArgumentException($"pages are {PageSize} bytes");
        limit = Math.Min(limit, destination.Length);
        int i = 0, written = 0;
        while (i < PageSize)
        {
            int unchanged = previous[i..].CommonPrefixLength(current[i..]);
            int start = i + unchanged;
            if (start == PageSize) break;
            int end = ChangedRunEnd(previous, current, start, start + limit - written);
            if (end < 0) return -1;
            int changed = end - start;
            int need = UlebLength(unchanged) + UlebLength(changed) + changed;
            if (written + need > limit) return -1;
            written += WriteUleb(destination[written..], unchanged);
            written += WriteUleb(destination[written..], changed);
            current.Slice(start, changed).CopyTo(destination[written..]);
            written += changed;
            i = end;
        }
        return written;
    }

    /// <summary>
    /// Applies a delta to <paramref name="page"/> (the previous version). The payload is checked whole before
    /// a byte is written, so on failure the page is untouched and <paramref name="error"/> says why.
    /// </summary>
    public static bool TryApply(ReadOnlySpan<byte> payload, Span<byte> page, out string? error)
    {
        if (!Walk(payload, page, apply: false, out error)) return false;
        Walk(payload, page, apply: true, out _);
        return true;
    }

    private static bool Walk(ReadOnlySpan<byte> payload, Span<byte> page, bool apply, out string? error)
    {
        int at = 0, position = 0;
        while (at < payload.Length)
        {
            if (!TryReadUleb(payload, ref at, out int unchanged, out error)) return false;
            if (unchanged == 0 && position != 0) { error = $"delta: empty unchanged run at page offset {position}"; return false; }
            if (at == payload.Length) { error = $"delta: unchanged run at page offset {position} has no changed run after it"; return false; }
            if (!TryReadUleb(payload, ref at, out int changed, out error)) return false;
            if (changed == 0) { error = $"delta: empty changed run at page offset {position + unchanged}"; return false; }
            if (unchanged + changed > PageSize - position) { error = $"delta: runs reach past the page end (offset {position} + {unchanged} + {changed})"; return false; }
            if (changed > payload.Length - at) { error = $"delta: changed run of {changed} bytes is truncated after {payload.Length - at}"; return false; }
            position += unchanged;
            if (apply) payload.Slice(at, changed).CopyTo(page[position..]);
            position += changed;
            at += changed;
        }
        error = null;
        return true;
    }

    // The end of the changed run that starts at `start`: the first stretch of MinUnchangedRun equal bytes, or the
    // page end (an unchanged tail is dropped). Returns -1 once the run passes `giveUpAt`.
    private static int ChangedRunEnd(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, int start, int giveUpAt)
    {
        int j = start;
        while (j < PageSize)
        {
            if (j > giveUpAt) return -1;
            // Eight bytes at a time while every byte differs: the XOR has no zero byte.
            if (j + 8 <= PageSize)
            {
                ulong x = BinaryPrimitives.ReadUInt64LittleEndian(previous[j..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(current[j..]);
                if (((x - 0x0101010101010101UL) & ~x & 0x8080808080808080UL) == 0) { j += 8; continue; }
            }
            if (previous[j] != current[j]) { j++; continue; }
            int equal = 1;
            while (equal < MinUnchangedRun && j + equal < PageSize && previous[j + equal] == current[j + equal]) equal++;
            if (equal >= MinUnchangedRun || j + equal == PageSize) return j;
            j += equal;
        }
        return j > giveUpAt ? -1 : j;
    }

    private static int UlebLength(int value) => value < 0x80 ? 1 : 2;

    private static int WriteUleb(Span<byte> destination, int value)
    {
        if (value < 0x80) { destination[0] = (byte)value; return 1; }
        destination[0] = (byte)(value | 0x80);
        destination[1] = (byte)(value >> 7);
        return 2;
    }

    // QEMU's uleb128_decode_small: one or two bytes, so a value below 16384.
    private static bool TryReadUleb(ReadOnlySpan<byte> payload, ref int at, out int value, out string? error)
    {
        value = 0;
        if (at >= payload.Length) { error = "delta: truncated run length"; return false; }
        byte first = payload[at];
        if (first < 0x80) { value = first; at++; error = null; return true; }
        if (at + 1 >= payload.Length) { error = "delta: truncated run length"; return false; }
        byte second = payload[at + 1];
        if (second >= 0x80) { error = "delta: run length longer than two bytes"; return false; }
        value = (first & 0x7F) | (second << 7);
        at += 2;
        error = null;
        return true;
    }
}
