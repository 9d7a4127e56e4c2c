using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  UDP header (RFC 768):

     0      7 8     15 16    23 24    31
    +--------+--------+--------+--------+
    |     Source      |   Destination   |
    |      Port       |      Port       |
    +--------+--------+--------+--------+
    |                 |                 |
    |     Length      |    Checksum     |
    +--------+--------+--------+--------+
    |          data octets ...
    +---------------- ...

    Length counts header and data. The checksum covers the IPv4 pseudo-header (source, destination, zero,
    protocol 17, UDP length), the header and the data; zero means the sender computed none.
*/
file static class UdpField
{
    public const int SourcePort = 0;
    public const int DestinationPort = 2;
    public const int Length = 4;
    public const int Checksum = 6;
    public const int HeaderLength = 8;
}

/// <summary>
/// Zero-copy view of a UDP datagram: the IPv4 payload. <see cref="TryCreate(ReadOnlySpan{byte}, out UdpDatagram, out WireError)"/>
/// checks the length field once (and, in the overload given the addresses, the checksum); after it succeeds every
/// accessor is safe. <see cref="Buffer"/> ends where the length field says.
/// </summary>
public readonly ref struct UdpDatagram
{
    public ReadOnlySpan<byte> Buffer { get; }

    private UdpDatagram(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    /// <summary>Checks the length field only; the checksum is not verified.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, out UdpDatagram datagram, out WireError error)
    {
        datagram = default;
        if (buffer.Length < UdpField.HeaderLength) { error = WireError.Truncated; return false; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[UdpField.Length..]);
        if (length < UdpField.HeaderLength) { error = WireError.BadLength; return false; }
        if (length > buffer.Length) { error = WireError.Truncated; return false; }
        datagram = new UdpDatagram(buffer[..length]);
        error = WireError.None;
        return true;
    }

    /// <summary>Checks the length field and, when <paramref name="checksums"/> says so and the sender computed one, the checksum.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> buffer, Ipv4Address source, Ipv4Address destination, ChecksumPolicy checksums,
        out UdpDatagram datagram, out WireError error)
    {
        if (!TryCreate(buffer, out datagram, out error)) return false;
        if ((checksums & ChecksumPolicy.Verify) != 0 && !datagram.IsChecksumValid(source, destination))
        {
            datagram = default;
            error = WireError.BadChecksum;
            return false;
        }
        return true;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(Buffer[UdpField.SourcePort..]);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(Buffer[UdpField.DestinationPort..]);
    /// <summary>Header and data length in bytes, as the length field says.</summary>
    public ushort Length => BinaryPrimitives.ReadUInt16BigEndian(Buffer[UdpField.Length..]);
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Buffer[UdpField.Checksum..]);
    /// <summary>False when the sender transmitted zero: it computed no checksum (RFC 768).</summary>
    public bool HasChecksum => Checksum != 0;
    public ReadOnlySpan<byte> Payload => Buffer[UdpField.HeaderLength..];

    /// <summary>True when the sender computed no checksum or the checksum over pseudo-header and datagram verifies.</summary>
    public bool IsChecksumValid(Ipv4Address source, Ipv4Address destination) =>
        !HasChecksum || InternetChecksum.Fold(UdpChecksum.Sum(source, destination, Buffer)) == 0xFFFF;
}

/// <summary>Representation of a UDP header. <see cref="PayloadLength"/> is the data after the header; the data is the next layer's.</summary>
public readonly record struct UdpHeader(ushort SourcePort, ushort DestinationPort, int PayloadLength)
{
    public const int HeaderLength = UdpField.HeaderLength;

    public int Length => UdpField.HeaderLength;

    /// <summary>Header and data: the length field.</summary>
    public int BufferLength => UdpField.HeaderLength + PayloadLength;

    /// <summary>
    /// The header of a datagram an ICMP error quotes (RFC 792: the first 8 bytes at least): its length field is not
    /// checked against the quote, which may end anywhere after the header. The quoted payload follows <see cref="HeaderLength"/>.
    /// </summary>
    public static bool TryParseQuoted(ReadOnlySpan<byte> quote, out UdpHeader header)
    {
        header = default;
        if (quote.Length < UdpField.HeaderLength) return false;
        ushort length = BinaryPrimitives.ReadUInt16BigEndian(quote[UdpField.Length..]);
        if (length < UdpField.HeaderLength) return false;
        header = new UdpHeader(BinaryPrimitives.ReadUInt16BigEndian(quote[UdpField.SourcePort..]),
            BinaryPrimitives.ReadUInt16BigEndian(quote[UdpField.DestinationPort..]), length - UdpField.HeaderLength);
        return true;
    }

    /// <summary>Parses the header after checking the length field; the checksum is not verified.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out UdpHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!UdpDatagram.TryCreate(buffer, out var datagram, out error)) return false;
        header = From(datagram);
        bytesConsumed = UdpField.HeaderLength;
        return true;
    }

    /// <summary>Parses the header after checking the length field and, per <paramref name="checksums"/>, the checksum.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, Ipv4Address source, Ipv4Address destination, ChecksumPolicy checksums,
        out UdpHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!UdpDatagram.TryCreate(buffer, source, destination, checksums, out var datagram, out error)) return false;
        header = From(datagram);
        bytesConsumed = UdpField.HeaderLength;
        return true;
    }

    private static UdpHeader From(UdpDatagram datagram) =>
        new(datagram.SourcePort, datagram.DestinationPort, datagram.Length - UdpField.HeaderLength);

    /// <summary>Writes the header with a zero checksum, which tells the receiver none was computed (RFC 768); returns the bytes written.</summary>
    public int Emit(Span<byte> buffer) => Emit(buffer, default, default, ChecksumPolicy.None);

    /// <summary>
    /// Writes the header into <paramref name="buffer"/>; returns the bytes written. When <paramref name="checksums"/> includes
    /// <see cref="ChecksumPolicy.Compute"/> the payload must already be in place after the header: the checksum covers it
    /// and the pseudo-header, and a computed zero is sent as 0xFFFF (RFC 768). Otherwise the checksum is zero.
    /// </summary>
    public int Emit(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, ChecksumPolicy checksums = ChecksumPolicy.Both)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BufferLength, ushort.MaxValue, nameof(PayloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpField.SourcePort..], SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpField.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpField.Length..], (ushort)BufferLength);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpField.Checksum..], 0);
        if ((checksums & ChecksumPolicy.Compute) != 0)
        {
            ushort checksum = (ushort)~InternetChecksum.Fold(UdpChecksum.Sum(source, destination, buffer[..BufferLength]));
            BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpField.Checksum..], checksum == 0 ? (ushort)0xFFFF : checksum);
        }
        return UdpField.HeaderLength;
    }
}

file static class UdpChecksum
{
    /// <summary>Unfolded sum of the pseudo-header and the datagram (RFC 768).</summary>
    public static ulong Sum(Ipv4Address source, Ipv4Address destination, ReadOnlySpan<byte> datagram) =>
        InternetChecksum.Accumulate(InternetChecksum.PseudoHeader(source, destination, (byte)IpProtocol.Udp, datagram.Length), datagram);
}
