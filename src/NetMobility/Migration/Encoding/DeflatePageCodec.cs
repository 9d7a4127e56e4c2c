using System.IO.Compression;

namespace NetMobility.Migration.Encoding;

/// <summary>
/// Raw Deflate (RFC 1951) of one page, or of a packed batch's block, through System.IO.Compression. .NET 10 has no reusable span-based
/// Deflate encoder, so each page costs a DeflateStream (a zlib state set up and torn down): this is the
/// one encoding that allocates per page, and the adaptive choice charges it for that through its measured time.
/// </summary>
internal sealed class DeflatePageCodec(int level)
{
    private readonly BoundedBufferStream _sink = new(MemoryImage.PageSize);
    private readonly ZLibCompressionOptions _options = new() { CompressionLevel = level };

    /// <summary>Returns the compressed size, or -1 when it would exceed <paramref name="destination"/>.</summary>
    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        _sink.Reset(destination.Length);
        using (var deflate = new DeflateStream(_sink, _options, leaveOpen: true)) deflate.Write(source);
        if (_sink.Overflowed) return -1;
        _sink.Written.CopyTo(destination);
        return _sink.Written.Length;
    }

    /// <summary>Inflates <paramref name="payload"/> into <paramref name="page"/> (a page or a packed block), which must come out exactly full.</summary>
    public static unsafe bool TryDecompress(ReadOnlySpan<byte> payload, Span<byte> page, out string? error)
    {
        try
        {
            fixed (byte* p = payload)
            {
                using var input = new UnmanagedMemoryStream(p, payload.Length);
                using var inflate = new DeflateStream(input, CompressionMode.Decompress);
                int filled = 0, got;
                while (filled < page.Length && (got = inflate.Read(page[filled..])) > 0) filled += got;
                if (filled < page.Length) { error = $"deflate: stream ends after {filled} bytes, not {page.Length}"; return false; }
                Span<byte> extra = stackalloc byte[1];
                if (inflate.Read(extra) != 0) { error = $"deflate: stream inflates to more than {page.Length} bytes"; return false; }
            }
        }
        catch (InvalidDataException ex)
        {
            error = $"deflate: {ex.Message}";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>A write-only stream over a buffer that records an overflow past its limit instead of throwing.</summary>
    private sealed class BoundedBufferStream(int capacity) : Stream
    {
        private byte[] _buffer = new byte[capacity];
        private int _limit;
        private int _length;

        public bool Overflowed { get; private set; }
        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        /// <summary>Starts again with room for <paramref name="limit"/> octets (the buffer grows once to the largest limit asked).</summary>
        public void Reset(int limit)
        {
            if (limit > _buffer.Length) _buffer = new byte[limit];
            _limit = limit;
            _length = 0;
            Overflowed = false;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Overflowed || buffer.Length > _limit - _length) { Overflowed = true; return; }
            buffer.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
