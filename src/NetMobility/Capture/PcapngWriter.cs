using System.Buffers.Binary;
using System.Text;

namespace NetMobility.Capture;

/// <summary>
/// Writes a pcapng file (draft-ietf-opsawg-pcapng), little-endian, one section: a Section Header
/// Block, an Interface Description Block per <see cref="AddInterface"/> (each with its own link
/// type, snap length and timestamp resolution), and an Enhanced Packet Block per packet, stamped
/// with the time the caller supplies (a virtual clock can drive it).
/// </summary>
/// <remarks>
/// <para>The section header is written by the constructor, an interface's block by
/// <see cref="AddInterface"/>. Each <see cref="Write(int, long, ReadOnlySpan{byte}, long)"/> hands
/// one whole block to the stream and allocates nothing. Nothing is flushed on its own:
/// <see cref="Flush"/> pushes the blocks written so far through the stream (for a file, to the
/// operating system), and <see cref="Dispose"/> flushes and then closes the stream unless it was
/// given with leaveOpen. Another reader of the file sees only whole blocks after a flush.</para>
/// <para>Not thread-safe. After the stream has thrown, the file may end inside a block.</para>
/// </remarks>
public sealed class PcapngWriter : CaptureWriter
{
    private const int EnhancedPacketHeaderLength = PcapngLayout.BlockHeaderLength + PcapngLayout.EnhancedPacketFixedLength;
    private readonly List<CaptureInterface> _interfaces = [];

    /// <param name="application">Written as the section's shb_userappl option when given.</param>
    public PcapngWriter(Stream stream, string? application = null, bool leaveOpen = false)
        : base(stream, leaveOpen)
    {
        Span<byte> body = stackalloc byte[PcapngLayout.SectionHeaderFixedLength];
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.ShbByteOrderMagic..], PcapngLayout.ByteOrderMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapngLayout.ShbMajorVersion..], PcapngLayout.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapngLayout.ShbMinorVersion..], PcapngLayout.MinorVersion);
        // Sec 4.1: -1, the section length is not known while the section is still being written.
        BinaryPrimitives.WriteInt64LittleEndian(body[PcapngLayout.ShbSectionLength..], PcapngLayout.UnspecifiedSectionLength);
        var options = new OptionList();
        if (application is not null) options.Add(PcapngOption.ShbUserApplication, Encoding.UTF8.GetBytes(application));
        WriteBlock(PcapngBlockType.SectionHeader, body, options);
    }

    /// <summary>Creates (or replaces) the file at <paramref name="path"/>; the writer owns the file stream.</summary>
    public static PcapngWriter Create(string path, string? application = null) =>
        CreateFile(path, stream => new PcapngWriter(stream, application));

    /// <summary>The interfaces described so far, by Interface ID.</summary>
    public IReadOnlyList<CaptureInterface> Interfaces => _interfaces;


    /// <summary>Describes an interface and returns its Interface ID (0, 1, ... in the order added).</summary>
    /// <param name="snapLength">1 to <see cref="CaptureReader.MaxCapturedLength"/>; longer packets are cut to it.</param>
    /// <param name="name">Written as if_name when given.</param>
    /// <param name="resolution">The unit timestamps are stored in; nanoseconds when null, so that no precision is lost.
    /// Written as if_tsresol unless it is the default microseconds.</param>
    public int AddInterface(LinkType linkType, int snapLength = DefaultSnapLength, string? name = null, TimestampResolution? resolution = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(snapLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(snapLength, CaptureReader.MaxCapturedLength);
        var unit = resolution ?? TimestampResolution.Nanoseconds;

        Span<byte> body = stackalloc byte[PcapngLayout.InterfaceFixedLength];
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapngLayout.IdbLinkType..], (ushort)linkType);
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapngLayout.IdbReserved..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.IdbSnapLen..], (uint)snapLength);
        var options = new OptionList();
        if (name is not null) options.Add(PcapngOption.IfName, Encoding.UTF8.GetBytes(name));
        if (unit != TimestampResolution.Microseconds) options.Add(PcapngOption.IfTimestampResolution, [unit.Code]);
        WriteBlock(PcapngBlockType.InterfaceDescription, body, options);
        _interfaces.Add(new CaptureInterface(linkType, (uint)snapLength, unit, 0, name));
        return _interfaces.Count - 1;
    }

    /// <summary>Writes a packet captured whole.</summary>
    public void Write(int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> packet) =>
        Write(interfaceId, timestampNanoseconds, packet, packet.Length);

    /// <summary>Writes a packet captured whole, stamped with <paramref name="timestamp"/> (100 ns ticks).</summary>
    public void Write(int interfaceId, DateTimeOffset timestamp, ReadOnlySpan<byte> packet) =>
        Write(interfaceId, CaptureTime.ToUnixNanoseconds(timestamp), packet, packet.Length);

    /// <summary>
    /// Writes one Enhanced Packet Block (sec 4.3). Bytes beyond the interface's snap length are not
    /// stored; <paramref name="originalLength"/> (at least <paramref name="packet"/>'s length) is the
    /// packet's length on the wire.
    /// </summary>
    /// <param name="timestampNanoseconds">Since the Unix epoch, not before it; cut to the interface's resolution.</param>
    public void Write(int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> packet, long originalLength)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(interfaceId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(interfaceId, _interfaces.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(originalLength, packet.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(originalLength, uint.MaxValue);
        var iface = _interfaces[interfaceId];
        if (!iface.Resolution.TryFromUnixNanoseconds(timestampNanoseconds, out ulong units))
            throw new ArgumentOutOfRangeException(nameof(timestampNanoseconds), timestampNanoseconds, $"not expressible as 64-bit units of {iface.Resolution} since the epoch");

        var stored = packet[..(int)Math.Min(packet.Length, iface.SnapLength)];
        int padding = (int)PcapngLayout.Pad4(stored.Length) - stored.Length;
        uint total = (uint)(EnhancedPacketHeaderLength + stored.Length + padding + PcapngLayout.TrailerLength);

        Span<byte> header = stackalloc byte[EnhancedPacketHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, PcapngBlockType.EnhancedPacket);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], total);
        var body = header[PcapngLayout.BlockHeaderLength..];
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.EpbInterfaceId..], (uint)interfaceId);
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.EpbTimestampHigh..], (uint)(units >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.EpbTimestampLow..], (uint)units);
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.EpbCapturedLength..], (uint)stored.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapngLayout.EpbOriginalLength..], (uint)originalLength);

        // Up to three zero bytes of padding, then the trailing total length.
        Span<byte> tail = stackalloc byte[3 + PcapngLayout.TrailerLength];
        tail[..padding].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(tail[padding..], total);

        _stream.Write(header);
        _stream.Write(stored);
        _stream.Write(tail[..(padding + PcapngLayout.TrailerLength)]);
        RecordsWritten++;
    }

    /// <summary>Writes a header or interface block: its fixed body, then its options ended by opt_endofopt (sec 3.5).</summary>
    private void WriteBlock(uint type, ReadOnlySpan<byte> fixedBody, OptionList options)
    {
        int length = PcapngLayout.MinBlockLength + fixedBody.Length + options.EncodedLength;
        var block = new byte[length];
        var span = block.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, type);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)length);
        fixedBody.CopyTo(span[PcapngLayout.BlockHeaderLength..]);
        options.Encode(span[(PcapngLayout.BlockHeaderLength + fixedBody.Length)..^PcapngLayout.TrailerLength]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[^PcapngLayout.TrailerLength..], (uint)length);
        _stream.Write(block);
    }

    /// <summary>Options of a header or interface block, little-endian, each value padded to 32 bits.</summary>
    private sealed class OptionList
    {
        private readonly List<(ushort Code, byte[] Value)> _options = [];

        public void Add(ushort code, byte[] value)
        {
            if (value.Length > ushort.MaxValue)
                throw new ArgumentException($"option {code} holds {value.Length} bytes, more than an option length can say", nameof(value));
            _options.Add((code, value));
        }

        /// <summary>Every option with its padding, plus the closing opt_endofopt; nothing when there are none.</summary>
        public int EncodedLength
        {
            get
            {
                if (_options.Count == 0) return 0;
                long length = PcapngLayout.OptionHeaderLength;
                foreach (var (_, value) in _options) length += PcapngLayout.OptionHeaderLength + PcapngLayout.Pad4(value.Length);
                return (int)length;
            }
        }

        public void Encode(Span<byte> destination)
        {
            destination.Clear();
            if (_options.Count == 0) return;
            int at = 0;
            foreach (var (code, value) in _options)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], code);
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(at + 2)..], (ushort)value.Length);
                value.CopyTo(destination[(at + PcapngLayout.OptionHeaderLength)..]);
                at += PcapngLayout.OptionHeaderLength + (int)PcapngLayout.Pad4(value.Length);
            }
            // opt_endofopt: code 0, length 0, already zero from the Clear above.
        }
    }
}
