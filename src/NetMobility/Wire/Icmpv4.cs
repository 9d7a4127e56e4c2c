using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>ICMPv4 message types this toolkit names (RFC 792, RFC 1256); any other type is carried as its number.</summary>
public enum Icmpv4Type : byte
{
    EchoReply = 0,
    DestinationUnreachable = 3,
    /// <summary>Deprecated by RFC 6633; named so that it is recognised as an error.</summary>
    SourceQuench = 4,
    Redirect = 5,
    EchoRequest = 8,
    /// <summary>Router advertisement (RFC 1256); with Mobile IP extensions, an Agent Advertisement (RFC 5944 sec 2.1).</summary>
    RouterAdvertisement = 9,
    /// <summary>Router solicitation (RFC 1256); also the Mobile IP Agent Solicitation (RFC 5944 sec 2.2).</summary>
    RouterSolicitation = 10,
    TimeExceeded = 11,
    ParameterProblem = 12,
}

/// <summary>Destination Unreachable codes (RFC 792, RFC 1122 sec 3.2.2.1, RFC 1812 sec 5.2.7.1).</summary>
public enum Icmpv4UnreachableCode : byte
{
    Network = 0,
    Host = 1,
    Protocol = 2,
    Port = 3,
    /// <summary>Fragmentation needed and DF set; the message carries the next-hop MTU (RFC 1191 sec 4).</summary>
    FragmentationNeeded = 4,
    SourceRouteFailed = 5,
    NetworkUnknown = 6,
    HostUnknown = 7,
    SourceHostIsolated = 8,
    NetworkProhibited = 9,
    HostProhibited = 10,
    NetworkUnreachableForTos = 11,
    HostUnreachableForTos = 12,
    CommunicationProhibited = 13,
    HostPrecedenceViolation = 14,
    PrecedenceCutoff = 15,
}

/// <summary>Time Exceeded codes (RFC 792).</summary>
public enum Icmpv4TimeExceededCode : byte
{
    TtlExceededInTransit = 0,
    FragmentReassemblyTimeExceeded = 1,
}

/*  ICMPv4 (RFC 792). The second word depends on the type:

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |     Type      |     Code      |          Checksum             |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                        Rest of header                         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |     Data: echo payload, quoted datagram, advertisement body   |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    Echo request/reply:         |          Identifier           |        Sequence Number        |
    Unreachable (RFC 1191 s4):  |         unused (zero)         |          Next-Hop MTU         |
    Time exceeded, solicitation:|                         unused (zero)                         |
    Router advert. (RFC 1256):  |   Num Addrs   |Addr Entry Size|            Lifetime           |
*/
file static class Icmpv4Field
{
    public const int Type = 0;
    public const int Code = 1;
    public const int Checksum = 2;
    public const int RestOfHeader = 4;
    public const int Identifier = 4;
    public const int SequenceNumber = 6;
    public const int NextHopMtu = 6;
    public const int Data = 8;
    public const int HeaderLength = 8;

    /// <summary>Types whose data quotes the datagram that caused them (RFC 792, RFC 1812 sec 4.3.2.7).</summary>
    public static bool IsError(Icmpv4Type type) => type is Icmpv4Type.DestinationUnreachable or Icmpv4Type.SourceQuench
        or Icmpv4Type.Redirect or Icmpv4Type.TimeExceeded or Icmpv4Type.ParameterProblem;
}

/// <summary>
/// Zero-copy view of an ICMPv4 message: the whole IPv4 payload, which the checksum covers.
/// <see cref="TryCreate"/> checks the length, the checksum (when asked) and, for a router advertisement,
/// the address entries and the Mobile IP extensions once; after it succeeds every accessor is safe.
/// </summary>
public readonly ref partial struct Icmpv4Packet
{
    public const int HeaderLength = Icmpv4Field.HeaderLength;

    public ReadOnlySpan<byte> Buffer { get; }

    private Icmpv4Packet(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, ChecksumPolicy checksums, out Icmpv4Packet packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < Icmpv4Field.HeaderLength) { error = WireError.Truncated; return false; }
        error = (Icmpv4Type)buffer[Icmpv4Field.Type] == Icmpv4Type.RouterAdvertisement ? CheckRouterAdvertisement(buffer) : WireError.None;
        if (error != WireError.None) return false;
        if ((checksums & ChecksumPolicy.Verify) != 0 && !InternetChecksum.Verify(buffer)) { error = WireError.BadChecksum; return false; }
        packet = new Icmpv4Packet(buffer);
        return true;
    }

    public Icmpv4Type Type => (Icmpv4Type)Buffer[Icmpv4Field.Type];
    public byte Code => Buffer[Icmpv4Field.Code];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Icmpv4Field.Checksum..]);
    /// <summary>The second 32-bit word, whose meaning depends on the type.</summary>
    public uint RestOfHeader => BinaryPrimitives.ReadUInt32BigEndian(Buffer[Icmpv4Field.RestOfHeader..]);
    /// <summary>Echo identifier (RFC 792).</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Icmpv4Field.Identifier..]);
    /// <summary>Echo sequence number (RFC 792).</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Icmpv4Field.SequenceNumber..]);
    /// <summary>Next-hop MTU of a "fragmentation needed" unreachable (RFC 1191 sec 4); zero from routers that predate it.</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Icmpv4Field.NextHopMtu..]);
    /// <summary>Everything after the 8-byte header: echo payload, quoted datagram or advertisement body.</summary>
    public ReadOnlySpan<byte> Data => Buffer[Icmpv4Field.Data..];
    /// <summary>True for the types that report an error and quote the offending datagram.</summary>
    public bool IsError => Icmpv4Field.IsError(Type);
    public bool IsChecksumValid => InternetChecksum.Verify(Buffer);

    /// <summary>
    /// The datagram an error message quotes: its whole IPv4 header and what follows of its payload (RFC 792 asks
    /// for 8 bytes, RFC 1812 sec 4.3.2.3 for as much as fits). <see cref="WireError.Unsupported"/> for a type that
    /// quotes nothing.
    /// </summary>
    public bool TryGetQuotedDatagram(out Ipv4Packet quoted, out WireError error)
    {
        if (!IsError) { quoted = default; error = WireError.Unsupported; return false; }
        return Ipv4Packet.TryCreateQuoted(Data, out quoted, out error);
    }
}

/// <summary>
/// Representation of an ICMPv4 header: type, code and the type-dependent second word, plus the length of the
/// data after the header. The data itself (echo payload, quoted datagram, advertisement body) stays in the buffer.
/// Build one with the factories; read the second word through the typed properties.
/// </summary>
public readonly record struct Icmpv4Message(Icmpv4Type Type, byte Code, uint RestOfHeader, int DataLength)
{
    public const int HeaderLength = Icmpv4Field.HeaderLength;

    public int Length => Icmpv4Field.HeaderLength;

    /// <summary>Header and data: the bytes the checksum covers.</summary>
    public int BufferLength => Icmpv4Field.HeaderLength + DataLength;

    public ushort Identifier => (ushort)(RestOfHeader >> 16);
    public ushort SequenceNumber => (ushort)RestOfHeader;
    public ushort NextHopMtu => (ushort)RestOfHeader;
    /// <summary>Router advertisement: number of address entries (RFC 1256 sec 3).</summary>
    public byte RouterAddressCount => (byte)(RestOfHeader >> 24);
    /// <summary>Router advertisement: 32-bit words per address entry, 2 (RFC 1256 sec 3).</summary>
    public byte AddressEntrySize => (byte)(RestOfHeader >> 16);
    /// <summary>Router advertisement: seconds the router addresses stay valid (RFC 1256 sec 3).</summary>
    public ushort Lifetime => (ushort)RestOfHeader;
    public bool IsError => Icmpv4Field.IsError(Type);

    /// <summary>True for the types that report an error and quote the offending datagram (RFC 792, RFC 1812 sec 4.3.2.7).</summary>
    public static bool IsErrorType(Icmpv4Type type) => Icmpv4Field.IsError(type);

    public static Icmpv4Message EchoRequest(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new(Icmpv4Type.EchoRequest, 0, ((uint)identifier << 16) | sequenceNumber, dataLength);

    public static Icmpv4Message EchoReply(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new(Icmpv4Type.EchoReply, 0, ((uint)identifier << 16) | sequenceNumber, dataLength);

    /// <summary>Destination unreachable quoting <paramref name="quoteLength"/> bytes; <paramref name="nextHopMtu"/> goes with code 4 (RFC 1191 sec 4).</summary>
    public static Icmpv4Message DestinationUnreachable(Icmpv4UnreachableCode code, int quoteLength, ushort nextHopMtu = 0) =>
        new(Icmpv4Type.DestinationUnreachable, (byte)code, nextHopMtu, quoteLength);

    public static Icmpv4Message TimeExceeded(Icmpv4TimeExceededCode code, int quoteLength) =>
        new(Icmpv4Type.TimeExceeded, (byte)code, 0, quoteLength);

    /// <summary>Router solicitation; sent with IP TTL 1 it is a Mobile IP Agent Solicitation (RFC 5944 sec 2.2).</summary>
    public static Icmpv4Message RouterSolicitation() => new(Icmpv4Type.RouterSolicitation, 0, 0, 0);

    /// <summary>The header of a router advertisement whose body (entries and extensions) is <paramref name="bodyLength"/> bytes.</summary>
    public static Icmpv4Message RouterAdvertisement(RouterAdvertisementCode code, byte routerAddressCount, ushort lifetime, int bodyLength) =>
        new(Icmpv4Type.RouterAdvertisement, (byte)code, ((uint)routerAddressCount << 24) | (2u << 16) | lifetime, bodyLength);

    /// <summary>Parses the 8-byte header; the message's data is the rest of <paramref name="buffer"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, ChecksumPolicy checksums, out Icmpv4Message message, out int bytesConsumed, out WireError error)
    {
        message = default;
        bytesConsumed = 0;
        if (!Icmpv4Packet.TryCreate(buffer, checksums, out var packet, out error)) return false;
        message = new Icmpv4Message(packet.Type, packet.Code, packet.RestOfHeader, packet.Data.Length);
        bytesConsumed = Icmpv4Field.HeaderLength;
        return true;
    }

    /// <summary>
    /// Writes the 8-byte header into <paramref name="buffer"/>; returns the bytes written. The data must already be
    /// in place after the header when the checksum is computed (when <paramref name="checksums"/> includes
    /// <see cref="ChecksumPolicy.Compute"/>; otherwise the checksum is left zero).
    /// </summary>
    public int Emit(Span<byte> buffer, ChecksumPolicy checksums = ChecksumPolicy.Both)
    {
        buffer[Icmpv4Field.Type] = (byte)Type;
        buffer[Icmpv4Field.Code] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Icmpv4Field.Checksum..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[Icmpv4Field.RestOfHeader..], RestOfHeader);
        if ((checksums & ChecksumPolicy.Compute) != 0)
            BinaryPrimitives.WriteUInt16BigEndian(buffer[Icmpv4Field.Checksum..], InternetChecksum.Compute(buffer[..BufferLength]));
        return Icmpv4Field.HeaderLength;
    }

    /// <summary>Copies <paramref name="data"/> (exactly <see cref="DataLength"/> bytes) after the header and writes the header; returns <see cref="BufferLength"/>.</summary>
    public int Emit(Span<byte> buffer, ReadOnlySpan<byte> data, ChecksumPolicy checksums = ChecksumPolicy.Both)
    {
        if (data.Length != DataLength) throw new ArgumentException($"data is {data.Length} bytes, the message says {DataLength}", nameof(data));
        data.CopyTo(buffer[Icmpv4Field.Data..]);
        Emit(buffer, checksums);
        return BufferLength;
    }
}
