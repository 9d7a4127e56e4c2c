namespace NetMobility.Capture;

/// <summary>
/// What the pcap and pcapng writers share: the stream they write to (owned, or borrowed with leaveOpen), the count of
/// records written, <see cref="Flush"/> and <see cref="Dispose"/>. Nothing is flushed on its own.
/// </summary>
public abstract class CaptureWriter : IDisposable
{
    /// <summary>The snap length written when the caller names none: the largest a reader here accepts.</summary>
    public const int DefaultSnapLength = CaptureReader.MaxCapturedLength;

    private const int FileBufferLength = 64 * 1024;
    private protected readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _disposed;

    private protected CaptureWriter(Stream stream, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    public long RecordsWritten { get; private protected set; }

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Creates (or replaces) the file at <paramref name="path"/> and hands it to <paramref name="writer"/>, which owns it from then on.</summary>
    private protected static T CreateFile<T>(string path, Func<Stream, T> writer)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, FileBufferLength);
        try
        {
            return writer(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Pushes every record written so far through to the stream's destination.</summary>
    public void Flush()
    {
        ThrowIfDisposed();
        _stream.Flush();
    }

    /// <summary>Flushes, then closes the stream unless it was given with leaveOpen.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _stream.Flush();
        }
        finally
        {
            if (!_leaveOpen) _stream.Dispose();
        }
    }
}
