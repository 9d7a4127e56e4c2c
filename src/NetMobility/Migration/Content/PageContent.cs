using System.Buffers.Binary;

namespace NetMobility.Migration.Content;

/// <summary>
/// Synthetic page contents that compress the way real guest memory does: heap pages of pointers, small
/// integers and short strings; text pages (page cache, logs, markup); code pages of x86-64 instruction
/// patterns; random pages for data that is already compressed or encrypted. Deterministic for a given
/// <see cref="PageRandom"/>; allocates nothing.
/// </summary>
internal static class PageContent
{
    private static readonly string[] Words =
    [
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was", "on", "be", "by", "this",
        "are", "from", "or", "at", "an", "which", "not", "have", "has", "but", "all", "were", "can", "more",
        "GET", "POST", "HTTP/1.1", "200", "404", "Host:", "Content-Type:", "text/html;", "charset=utf-8",
        "application/json", "Accept-Encoding:", "gzip", "Connection:", "keep-alive", "Cache-Control:", "max-age=3600",
        "<div", "class=\"row\">", "</div>", "<span>", "</span>", "<a", "href=\"/index.html\">", "</a>", "<p>", "</p>",
        "{\"id\":", "\"name\":", "\"value\":", "\"status\":", "\"ok\"", "null,", "true,", "false,", "},", "[",
        "INFO", "WARN", "ERROR", "DEBUG", "2024-05-17T10:32:11Z", "request", "completed", "in", "ms", "user", "session",
        "connection", "timeout", "retry", "server", "client", "memory", "page", "migration", "network", "address",
        "static", "void", "int", "return", "if", "else", "while", "struct", "const", "char", "unsigned", "size_t",
        "/usr/lib/x86_64-linux-gnu/", "libc.so.6", "/etc/nginx/nginx.conf", "/var/log/syslog", "localhost", "127.0.0.1",
    ];

    // Byte patterns of common x86-64 instructions: prologues, moves, calls, compares, jumps, returns.
    private static readonly byte[][] Instructions =
    [
        [0x55], [0x48, 0x89, 0xE5], [0x41, 0x57], [0x41, 0x56], [0x53], [0x48, 0x83, 0xEC, 0x28], [0x48, 0x8B, 0x45, 0xF8],
        [0x48, 0x89, 0x7D, 0xE8], [0x89, 0x45, 0xFC], [0x8B, 0x45, 0xFC], [0x48, 0x8B, 0x07], [0x48, 0x85, 0xC0],
        [0x74, 0x12], [0x75, 0x0A], [0x31, 0xC0], [0x48, 0x8D, 0x3D], [0xE8], [0xC3], [0x5D], [0x5B], [0x48, 0x83, 0xC4, 0x28],
        [0x0F, 0x1F, 0x44, 0x00, 0x00], [0x66, 0x90], [0x48, 0x39, 0xD0], [0x0F, 0x84], [0xFF, 0x15], [0x4C, 0x89, 0xE7],
    ];

    public static void FillText(Span<byte> page, ref PageRandom rng)
    {
        int at = 0;
        while (at < page.Length)
        {
            string word = Words[rng.Next(Words.Length)];
            for (int i = 0; i < word.Length && at < page.Length; i++) page[at++] = (byte)word[i];
            if (at < page.Length) page[at++] = rng.Next(12) == 0 ? (byte)'\n' : (byte)' ';
        }
    }

    /// <summary>8-byte slots; <paramref name="density"/> is the fraction that is not zero (a half-used arena page is mostly zero).</summary>
    public static void FillHeap(Span<byte> page, ref PageRandom rng, double density = 0.7)
    {
        // Pointers of one page point into a few nearby arenas: their high bytes repeat, as in a real heap.
        ulong arena = 0x0000_7F00_0000_0000UL | ((ulong)rng.Next(1 << 20) << 20);
        for (int at = 0; at + 8 <= page.Length; at += 8)
        {
            var slot = page.Slice(at, 8);
            if (rng.NextDouble() >= density) { slot.Clear(); continue; }
            switch (rng.Next(10))
            {
                case < 5:
                    BinaryPrimitives.WriteUInt64LittleEndian(slot, arena + (ulong)rng.Next(1 << 16) * 16);
                    break;
                case < 8:
                    BinaryPrimitives.WriteUInt64LittleEndian(slot, (ulong)rng.Next(rng.Next(2) == 0 ? 256 : 65536));
                    break;
                default:
                    for (int i = 0; i < 8; i++) slot[i] = (byte)('a' + rng.Next(26));
                    break;
            }
        }
    }

    public static void FillCode(Span<byte> page, ref PageRandom rng)
    {
        int at = 0;
        while (at < page.Length)
        {
            // Functions are padded to 16-byte boundaries with int3, as compilers do.
            if (rng.Next(40) == 0)
            {
                while (at < page.Length && (at & 15) != 0) page[at++] = 0xCC;
                continue;
            }
            var instruction = Instructions[rng.Next(Instructions.Length)];
            for (int i = 0; i < instruction.Length && at < page.Length; i++) page[at++] = instruction[i];
            // Calls and indirect jumps carry a 32-bit displacement: small, mostly positive, high bytes often zero.
            if (instruction[0] is 0xE8 or 0xFF or 0x0F or 0x8D)
                for (int i = 0; i < 4 && at < page.Length; i++) page[at++] = i < 2 ? (byte)rng.Next(256) : (byte)0;
        }
    }
}
