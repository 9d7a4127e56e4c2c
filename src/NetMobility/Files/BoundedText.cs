namespace NetMobility.Files;

/// <summary>Reads a small text file a user names (a certificate, a manifest) as a stream with a bound, so /dev/zero or a large file by mistake is refused, not read to the end.</summary>
public static class BoundedText
{
    /// <summary>The file's text; <see cref="InvalidDataException"/> when it holds more than <paramref name="maxBytes"/> octets.</summary>
    public static string Read(string path, int maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        var buffer = new byte[maxBytes + 1];
        int length = 0;
        for (int read; length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0;) length += read;
        if (length > maxBytes) throw new InvalidDataException($"larger than {maxBytes} octets: not the small text file expected");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }
}
