namespace NetMobility.Capture;

/// <summary>
/// The bytes of a capture file, read forward only, with the offset from the start of the capture
/// counted here so that seekable and non-seekable streams (pipes, sockets) report the same offsets.
/// A short read is not an error at this level: callers compare the count and word the error.
/// </summary>
internal sealed class CaptureInput : IDisposable
{
    private const int SkipChunk = 4096;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    public CaptureInput(Stream stream, string source, bool leaveOpen)
    {
        _stream = stream;
        Source = source;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The name used in error messages: the path the file was opened by, or the caller's label.</summary>
    public string Source { get; }

    /// <summary>Bytes consumed since the start of the capture.</summary>
    public long Offset { get; private set; }

    /// <summary>Fills <paramref name="destination"/> unless the stream ends first; returns the bytes read.</summary>
    public int ReadUpTo(Span<byte> destination)
    {
        int read = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        Offset += read;
        return read;
    }

    /// <summary>Passes over <paramref name="count"/> bytes unless the stream ends first; returns the bytes passed.</summary>
    public long Skip(long count)
    {
        long skipped;
        if (_stream.CanSeek)
        {
            skipped = Math.Clamp(_stream.Length - _stream.Position, 0, count);
            _stream.Seek(skipped, SeekOrigin.Current);
        }
        else
        {
            Span<byte> scratch = stackalloc byte[SkipChunk];
            skipped = 0;
            while (skipped < count)
            {
                int read = _stream.Read(scratch[..(int)Math.Min(SkipChunk, count - skipped)]);
                if (read == 0) break;
                skipped += read;
            }
        }
        Offset += skipped;
        return skipped;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
