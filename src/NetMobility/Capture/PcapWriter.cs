using System.Buffers.Binary;

namespace NetMobility.Capture;

/// <summary>
/// Writes a classic pcap file (draft-ietf-opsawg-pcap), little-endian, one link type per file,
/// with microsecond or nanosecond timestamps that the caller supplies (a virtual clock can drive them).
/// </summary>
/// <remarks>
/// <para>The file header is written by the constructor. Each <see cref="Write(long, ReadOnlySpan{byte}, long)"/>
/// hands one whole record to the stream and allocates nothing. Nothing is flushed on its own:
/// <see cref="Flush"/> pushes the records written so far through the stream (for a file, to the
/// operating system), and <see cref="Dispose"/> flushes and then closes the stream unless it was
/// given with leaveOpen. Another reader of the file sees only whole records after a flush.</para>
/// <para>Not thread-safe. After the stream has thrown, the file may end inside a record.</para>
/// </remarks>
public sealed class PcapWriter : CaptureWriter
{
    /// <param name="resolution">Microseconds or nanoseconds; nanoseconds when null, so that no precision is lost.</param>
    /// <param name="snapLength">1 to <see cref="CaptureReader.MaxCapturedLength"/>; longer packets are cut to it.</param>
    public PcapWriter(Stream stream, LinkType linkType, TimestampResolution? resolution = null, int snapLength = DefaultSnapLength, bool leaveOpen = false)
        : base(stream, leaveOpen)
    {
        var unit = resolution ?? TimestampResolution.Nanoseconds;
        if (unit != TimestampResolution.Microseconds && unit != TimestampResolution.Nanoseconds)
            throw new ArgumentException($"classic pcap stores microseconds or nanoseconds, not {unit}", nameof(resolution));
        ArgumentOutOfRangeException.ThrowIfLessThan(snapLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(snapLength, CaptureReader.MaxCapturedLength);
        LinkType = linkType;
        Resolution = unit;
        SnapLength = snapLength;

        Span<byte> header = stackalloc byte[PcapLayout.FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, unit == TimestampResolution.Nanoseconds ? PcapLayout.NanosecondMagic : PcapLayout.MicrosecondMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[PcapLayout.VersionMajor..], PcapLayout.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[PcapLayout.VersionMinor..], PcapLayout.MinorVersion);
        // Sec 4: Reserved1 and Reserved2 (once thiszone and sigfigs) are written as 0.
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.Reserved1..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.Reserved2..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.SnapLen..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.LinkTypeAndFcs..], (ushort)linkType);
        _stream.Write(header);
    }

    /// <summary>Creates (or replaces) the file at <paramref name="path"/>; the writer owns the file stream.</summary>
    public static PcapWriter Create(string path, LinkType linkType, TimestampResolution? resolution = null, int snapLength = DefaultSnapLength) =>
        CreateFile(path, stream => new PcapWriter(stream, linkType, resolution, snapLength));

    public LinkType LinkType { get; }
    public TimestampResolution Resolution { get; }
    public int SnapLength { get; }

    /// <summary>Writes a packet captured whole.</summary>
    public void Write(long timestampNanoseconds, ReadOnlySpan<byte> packet) => Write(timestampNanoseconds, packet, packet.Length);

    /// <summary>Writes a packet captured whole, stamped with <paramref name="timestamp"/> (100 ns ticks).</summary>
    public void Write(DateTimeOffset timestamp, ReadOnlySpan<byte> packet) => Write(CaptureTime.ToUnixNanoseconds(timestamp), packet, packet.Length);

    /// <summary>
    /// Writes one record. Bytes beyond the snap length are not stored; <paramref name="originalLength"/>
    /// (at least <paramref name="packet"/>'s length) is the packet's length on the wire.
    /// </summary>
    /// <param name="timestampNanoseconds">Since the Unix epoch, from 1970 to 2106 (32-bit seconds); cut to microseconds in a microsecond file.</param>
    public void Write(long timestampNanoseconds, ReadOnlySpan<byte> packet, long originalLength)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(originalLength, packet.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(originalLength, uint.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(timestampNanoseconds);
        long seconds = Math.DivRem(timestampNanoseconds, 1_000_000_000L, out long nanoseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, uint.MaxValue, nameof(timestampNanoseconds));

        var stored = packet[..Math.Min(packet.Length, SnapLength)];
        Span<byte> header = stackalloc byte[PcapLayout.RecordHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.Seconds..], (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.Fraction..],
            (uint)(Resolution == TimestampResolution.Nanoseconds ? nanoseconds : nanoseconds / 1_000));
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.CapturedLength..], (uint)stored.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapLayout.OriginalLength..], (uint)originalLength);
        _stream.Write(header);
        _stream.Write(stored);
        RecordsWritten++;
    }

}
