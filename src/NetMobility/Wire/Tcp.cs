using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>TCP control bits (RFC 9293 sec 3.1; ECE and CWR from RFC 3168; NS from RFC 3540).</summary>
[Flags]
public enum TcpFlags : ushort
{
    None = 0,
    Fin = 0x001,
    Syn = 0x002,
    Rst = 0x004,
    Psh = 0x008,
    Ack = 0x010,
    Urg = 0x020,
    Ece = 0x040,
    Cwr = 0x080,
    /// <summary>ECN nonce sum (RFC 3540, historic since RFC 8311); the lowest bit of the byte holding the data offset.</summary>
    Ns = 0x100,
}

/*  TCP header (RFC 9293 sec 3.1, with the NS bit of RFC 3540 in the last reserved bit):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |          Source Port          |       Destination Port        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                        Sequence Number                        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    Acknowledgment Number                      |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  Data |     |N|C|E|U|A|P|R|S|F|                               |
    | Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
    |       |     | |R|E|G|K|H|T|N|N|                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |           Checksum            |         Urgent Pointer        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    Options (data offset > 5)  |    Padding    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    The checksum covers the IPv4 pseudo-header (source, destination, zero, protocol 6, TCP length),
    the header and the data.
*/
file static class TcpField
{
    public const int SourcePort = 0;
    public const int DestinationPort = 2;
    public const int SequenceNumber = 4;
    public const int AcknowledgmentNumber = 8;
    public const int OffsetFlags = 12;
    public const int Window = 14;
    public const int Checksum = 16;
    public const int UrgentPointer = 18;
    public const int Options = 20;
    public const int MinHeaderLength = 20;

    /// <summary>The nine control bits; the three reserved bits above them are ignored on receipt (RFC 9293 sec 3.1).</summary>
    public const ushort FlagsMask = 0x01FF;

    public static ulong ChecksumSum(Ipv4Address source, Ipv4Address destination, ReadOnlySpan<byte> segment) =>
        InternetChecksum.Accumulate(InternetChecksum.PseudoHeader(source, destination, (byte)IpProtocol.Tcp, segment.Length), segment);
}

/// <summary>
/// Zero-copy view of a TCP segment: the whole IPv4 payload. <see cref="TryCreate(ReadOnlySpan{byte}, out TcpSegment, out WireError)"/>
/// checks the data offset and the options once (and, in the overload given the addresses, the checksum);
/// after it succeeds every accessor is safe.
/// </summary>
public readonly ref struct TcpSegment
{
    public ReadOnlySpan<byte> Buffer { get; }

    private TcpSegment(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    /// <summary>Checks lengths and options; the checksum is not verified.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, out TcpSegment segment, out WireError error)
    {
        segment = default;
        if (buffer.Length < TcpField.MinHeaderLength) { error = WireError.Truncated; return false; }
        int headerLength = (buffer[TcpField.OffsetFlags] >> 4) * 4;
        if (headerLength < TcpField.MinHeaderLength) { error = WireError.BadLength; return false; }
        if (headerLength > buffer.Length) { error = WireError.Truncated; return false; }
        error = TcpOptionReader.Validate(buffer[TcpField.Options..headerLength]);
        if (error != WireError.None) return false;
        segment = new TcpSegment(buffer);
        return true;
    }

    /// <summary>Checks lengths, options and, when <paramref name="checksums"/> says so, the checksum.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, Ipv4Address source, Ipv4Address destination, ChecksumPolicy checksums,
        out TcpSegment segment, out WireError error)
    {
        if (!TryCreate(buffer, out segment, out error)) return false;
        if ((checksums & ChecksumPolicy.Verify) != 0 && !segment.IsChecksumValid(source, destination))
        {
            segment = default;
            error = WireError.BadChecksum;
            return false;
        }
        return true;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(Buffer[TcpField.SourcePort..]);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(Buffer[TcpField.DestinationPort..]);
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(Buffer[TcpField.SequenceNumber..]);
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(Buffer[TcpField.AcknowledgmentNumber..]);
    /// <summary>Header length in bytes (data offset x 4), options included.</summary>
    public int HeaderLength => (Buffer[TcpField.OffsetFlags] >> 4) * 4;
    public TcpFlags Flags => (TcpFlags)(BinaryPrimitives.ReadUInt16BigEndian(Buffer[TcpField.OffsetFlags..]) & TcpField.FlagsMask);
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(Buffer[TcpField.Window..]);
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Buffer[TcpField.Checksum..]);
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(Buffer[TcpField.UrgentPointer..]);
    public ReadOnlySpan<byte> Options => Buffer[TcpField.Options..HeaderLength];
    public TcpOptionReader ReadOptions() => new(Options);
    public ReadOnlySpan<byte> Payload => Buffer[HeaderLength..];

    public bool IsChecksumValid(Ipv4Address source, Ipv4Address destination) =>
        InternetChecksum.Fold(TcpField.ChecksumSum(source, destination, Buffer)) == 0xFFFF;
}

/// <summary>
/// Representation of a TCP header. <see cref="PayloadLength"/> is the data after the header; the data stays in
/// the buffer. Options are kept verbatim; build them with <see cref="TcpOptionWriter"/>, read them with
/// <see cref="TcpOptionReader"/> over <c>Options.Span</c> or through the typed properties. This is a codec, not a TCP stack.
/// </summary>
public readonly record struct TcpHeader(
    ushort SourcePort,
    ushort DestinationPort,
    uint SequenceNumber,
    uint AcknowledgmentNumber,
    TcpFlags Flags,
    ushort Window,
    int PayloadLength,
    ushort UrgentPointer = 0,
    OptionBytes Options = default)
{
    public const int MinLength = TcpField.MinHeaderLength;

    /// <summary>Header bytes, options included.</summary>
    public int Length => TcpField.MinHeaderLength + Options.Length;

    /// <summary>Header and data: the TCP length of the pseudo-header.</summary>
    public int BufferLength => Length + PayloadLength;

    /// <summary>The maximum segment size option (RFC 9293 sec 3.7.1), or null without one.</summary>
    public ushort? MaxSegmentSize
    {
        get
        {
            foreach (var option in new TcpOptionReader(Options.Span))
                if (option.Kind == TcpOptionKind.MaxSegmentSize) return option.MaxSegmentSize;
            return null;
        }
    }

    /// <summary>The window scale shift (RFC 7323 sec 2.2), or null without the option.</summary>
    public byte? WindowScale
    {
        get
        {
            foreach (var option in new TcpOptionReader(Options.Span))
                if (option.Kind == TcpOptionKind.WindowScale) return option.WindowScale;
            return null;
        }
    }

    /// <summary>True when the SACK-permitted option is present (RFC 2018 sec 2).</summary>
    public bool SackPermitted
    {
        get
        {
            foreach (var option in new TcpOptionReader(Options.Span))
                if (option.Kind == TcpOptionKind.SackPermitted) return true;
            return false;
        }
    }

    /// <summary>The timestamps option (RFC 7323 sec 3.2), or null without one.</summary>
    public TcpTimestamps? Timestamps
    {
        get
        {
            foreach (var option in new TcpOptionReader(Options.Span))
                if (option.Kind == TcpOptionKind.Timestamps) return option.Timestamps;
            return null;
        }
    }

    /// <summary>Parses the header after checking lengths and options; the checksum is not verified.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out TcpHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!TcpSegment.TryCreate(buffer, out var segment, out error)) return false;
        header = From(segment);
        bytesConsumed = segment.HeaderLength;
        return true;
    }

    /// <summary>Parses the header after checking lengths, options and, per <paramref name="checksums"/>, the checksum.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, Ipv4Address source, Ipv4Address destination, ChecksumPolicy checksums,
        out TcpHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!TcpSegment.TryCreate(buffer, source, destination, checksums, out var segment, out error)) return false;
        header = From(segment);
        bytesConsumed = segment.HeaderLength;
        return true;
    }

    private static TcpHeader From(TcpSegment segment)
    {
        OptionBytes.TryCreate(segment.Options, out var options); // the data offset bounds options to 40 bytes in 32-bit words
        return new TcpHeader(segment.SourcePort, segment.DestinationPort, segment.SequenceNumber, segment.AcknowledgmentNumber,
            segment.Flags, segment.Window, segment.Payload.Length, segment.UrgentPointer, options);
    }

    /// <summary>
    /// Writes the header into <paramref name="buffer"/>; returns the bytes written. When <paramref name="checksums"/> includes
    /// <see cref="ChecksumPolicy.Compute"/> the payload must already be in place after the header, since the checksum covers
    /// it and the pseudo-header; otherwise the checksum is left zero (for a device that offloads it).
    /// </summary>
    public int Emit(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, ChecksumPolicy checksums = ChecksumPolicy.Both)
    {
        int length = Length;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.SourcePort..], SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[TcpField.SequenceNumber..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[TcpField.AcknowledgmentNumber..], AcknowledgmentNumber);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.OffsetFlags..], (ushort)((length / 4) << 12 | ((ushort)Flags & TcpField.FlagsMask)));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.Window..], Window);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.Checksum..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.UrgentPointer..], UrgentPointer);
        Options.CopyTo(buffer[TcpField.Options..]);
        if ((checksums & ChecksumPolicy.Compute) != 0)
        {
            ushort checksum = (ushort)~InternetChecksum.Fold(TcpField.ChecksumSum(source, destination, buffer[..BufferLength]));
            BinaryPrimitives.WriteUInt16BigEndian(buffer[TcpField.Checksum..], checksum);
        }
        return length;
    }
}
