using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace NetMobility.Capture;

/// <summary>
/// Reads a pcap or pcapng capture, told apart by its first four bytes, one record at a time.
/// </summary>
/// <remarks>
/// <para>Records come out of one buffer the reader owns and reuses: a record's
/// <see cref="CaptureRecord.Data"/> is valid until the next read or until the reader is disposed.
/// Reading allocates nothing per record once that buffer has grown to the largest packet.</para>
/// <para>A corrupt or truncated file never surfaces as an end-of-stream, index or overflow exception:
/// <see cref="TryRead"/> answers <see cref="CaptureReadResult.Error"/> with <see cref="Error"/>
/// naming the file, the offset of the header, record or block at fault, and the reason; the
/// throwing <see cref="Read"/> wraps the same error in a <see cref="CaptureFormatException"/>.
/// Every record before the fault has been delivered; the error is final (later reads repeat it).
/// A file that ends inside a record is an error, not a quiet end. Failures of the stream itself
/// (<see cref="IOException"/>, a missing file) pass through unchanged.</para>
/// <para>Not thread-safe: one reader, one consumer.</para>
/// </remarks>
public abstract class CaptureReader : IDisposable
{
    /// <summary>The largest captured length accepted (256 KiB, libpcap's largest snap length).</summary>
    public const int MaxCapturedLength = 256 * 1024;

    private const int InitialBufferLength = 2048;
    private const int FileBufferLength = 64 * 1024;
    /// <summary>The bytes that tell the formats apart: a pcap magic number or the pcapng section header block type.</summary>
    private protected const int MagicLength = 4;

    private protected readonly CaptureInput Input;
    private byte[] _buffer;
    private bool _disposed;

    private protected CaptureReader(CaptureInput input)
    {
        Input = input;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferLength);
    }

    public abstract CaptureFormat Format { get; }

    /// <summary>The interfaces known so far: pcap's one, or those of the current pcapng section read up to here.</summary>
    public abstract IReadOnlyList<CaptureInterface> Interfaces { get; }

    /// <summary>The name used in error messages.</summary>
    public string Source => Input.Source;

    /// <summary>Bytes of the capture consumed so far.</summary>
    public long Position => Input.Offset;

    /// <summary>Records delivered so far.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>Why reading stopped, once it has stopped on a fault; null until then.</summary>
    public CaptureError? Error { get; private set; }

    /// <summary>Opens the capture at <paramref name="path"/>; the path names the file in error messages.</summary>
    /// <exception cref="CaptureFormatException">The file header is missing, unknown or corrupt.</exception>
    public static CaptureReader Open(string path)
    {
        if (!TryOpen(path, out var reader, out var error)) CaptureFormatException.Throw(error);
        return reader;
    }

    /// <summary>Opens a capture held in <paramref name="stream"/> (read forward only; seeking is used when offered).</summary>
    /// <param name="source">The name used in error messages.</param>
    /// <param name="leaveOpen">False: the reader owns the stream and disposes it, also when the header is refused.</param>
    /// <exception cref="CaptureFormatException">The file header is missing, unknown or corrupt.</exception>
    public static CaptureReader Open(Stream stream, string source, bool leaveOpen = false)
    {
        if (!TryOpen(stream, source, out var reader, out var error, leaveOpen)) CaptureFormatException.Throw(error);
        return reader;
    }

    /// <summary>Opens the capture at <paramref name="path"/>, answering a bad header with an error instead of an exception.</summary>
    /// <exception cref="IOException">No such file, or a directory.</exception>
    public static bool TryOpen(string path, [NotNullWhen(true)] out CaptureReader? reader, [NotNullWhen(false)] out CaptureError? error)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a directory, not a capture file");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferLength, FileOptions.SequentialScan);
        return TryOpen(stream, path, out reader, out error);
    }

    /// <inheritdoc cref="Open(Stream, string, bool)"/>
    public static bool TryOpen(Stream stream, string source, [NotNullWhen(true)] out CaptureReader? reader, [NotNullWhen(false)] out CaptureError? error, bool leaveOpen = false)
    {
        var input = new CaptureInput(stream, source, leaveOpen);
        CaptureReader? candidate = null;
        reader = null;
        try
        {
            if (!TryDetect(input, out candidate, out error))
            {
                input.Dispose();
                return false;
            }
            if (!candidate.TryReadHeader())
            {
                error = candidate.Error!;
                candidate.Dispose();
                return false;
            }
            reader = candidate;
            return true;
        }
        catch
        {
            // A failing stream (IOException) passes through, and the stream handed over is still closed.
            if (candidate is not null) candidate.Dispose();
            else input.Dispose();
            throw;
        }
    }

    /// <summary>Creates the reader for the format the first four bytes name.</summary>
    private static bool TryDetect(CaptureInput input, [NotNullWhen(true)] out CaptureReader? reader, [NotNullWhen(false)] out CaptureError? error)
    {
        reader = null;
        error = null;
        Span<byte> magic = stackalloc byte[MagicLength];
        int read = input.ReadUpTo(magic);
        if (read < MagicLength)
        {
            error = new CaptureError(CaptureErrorKind.Truncated, input.Source, "file header", 0,
                read == 0 ? "the file is empty" : $"truncated: the file holds {read} bytes, too few for any capture header");
            return false;
        }
        uint value = BinaryPrimitives.ReadUInt32BigEndian(magic);
        if (PcapReader.IsMagic(value)) reader = new PcapReader(input, value);
        else if (value == PcapngBlockType.SectionHeader) reader = new PcapngReader(input);
        else error = new CaptureError(CaptureErrorKind.BadMagic, input.Source, "file header", 0,
            $"unknown magic 0x{value:x8}: neither pcap (a1b2c3d4, a1b23c4d, either byte order) nor pcapng (0a0d0d0a)");
        return reader is not null;
    }

    /// <summary>
    /// Reads the next record. <see cref="CaptureReadResult.End"/> at a clean end of the capture;
    /// <see cref="CaptureReadResult.Error"/> on a fault, described by <see cref="Error"/>.
    /// </summary>
    public CaptureReadResult TryRead(out CaptureRecord record)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        record = default;
        if (Error is not null) return CaptureReadResult.Error;
        var result = ReadRecord(out record);
        if (result == CaptureReadResult.Record) RecordsRead++;
        return result;
    }

    /// <summary>Reads the next record; false at a clean end of the capture.</summary>
    /// <exception cref="CaptureFormatException">The file is corrupt or truncated at this point.</exception>
    public bool Read(out CaptureRecord record)
    {
        var result = TryRead(out record);
        if (result == CaptureReadResult.Error) CaptureFormatException.Throw(Error!);
        return result == CaptureReadResult.Record;
    }

    /// <summary>
    /// Lets <c>foreach</c> walk the records; each one is valid until the loop moves on, and a fault
    /// throws <see cref="CaptureFormatException"/> after the records before it.
    /// </summary>
    public RecordEnumerator GetEnumerator() => new(this);

    /// <summary>Reads the rest of the file header (pcap) or first section header (pcapng) after the four magic bytes.</summary>
    private protected abstract bool TryReadHeader();

    private protected abstract CaptureReadResult ReadRecord(out CaptureRecord record);

    /// <summary>Records the reader's final error; returns false so that callers can <c>return Fail(..)</c>.</summary>
    private protected bool Fail(CaptureErrorKind kind, string element, long offset, string detail)
    {
        Error = new CaptureError(kind, Input.Source, element, offset, detail);
        return false;
    }

    /// <summary>Records the reader's final error and answers <see cref="CaptureReadResult.Error"/>.</summary>
    private protected CaptureReadResult Stop(CaptureErrorKind kind, string element, long offset, string detail)
    {
        Fail(kind, element, offset, detail);
        return CaptureReadResult.Error;
    }

    /// <summary>The first <paramref name="length"/> bytes of the reusable record buffer, grown if needed (up to <see cref="MaxCapturedLength"/> for packets).</summary>
    private protected Memory<byte> RecordBuffer(int length)
    {
        if (_buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, _buffer.Length * 2));
        }
        return _buffer.AsMemory(0, length);
    }

    /// <summary>Returns the record buffer to the pool and disposes the stream unless it was opened with leaveOpen.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        Input.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A <c>foreach</c> enumerator over a reader's records; see <see cref="GetEnumerator"/>.</summary>
    public struct RecordEnumerator
    {
        private readonly CaptureReader _reader;
        private CaptureRecord _current;

        internal RecordEnumerator(CaptureReader reader)
        {
            _reader = reader;
            _current = default;
        }

        public readonly CaptureRecord Current => _current;

        public bool MoveNext() => _reader.Read(out _current);
    }
}
