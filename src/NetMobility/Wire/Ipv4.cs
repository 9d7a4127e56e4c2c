using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  IPv4 header (RFC 791 sec 3.1; DSCP/ECN in the old TOS octet per RFC 2474 and RFC 3168):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |Version|  IHL  |   DSCP    |ECN|          Total Length         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |         Identification        |0|D|M|      Fragment Offset    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  Time to Live |    Protocol   |         Header Checksum       |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                       Source Address                          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    Destination Address                        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    Options (IHL > 5)          |    Padding    |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
*/
internal static class Ipv4Field
{
    public const int VersionIhl = 0;
    public const int TypeOfService = 1;
    public const int TotalLength = 2;
    public const int Identification = 4;
    public const int FlagsFragment = 6;
    public const int TimeToLive = 8;
    public const int Protocol = 9;
    public const int Checksum = 10;
    public const int Source = 12;
    public const int Destination = 16;
    public const int Options = 20;
    public const int MinHeaderLength = 20;
    public const int MaxHeaderLength = 60;

    public const ushort ReservedFlag = 0x8000;
    public const ushort DontFragmentFlag = 0x4000;
    public const ushort MoreFragmentsFlag = 0x2000;
    public const ushort FragmentOffsetMask = 0x1FFF;
}

/// <summary>
/// Zero-copy view of an IPv4 datagram. <see cref="TryCreate"/> checks version, header length, total length,
/// the reserved flag, the options and (when asked) the header checksum once; after it succeeds every
/// accessor is safe. <see cref="Buffer"/> ends at the total length: trailing Ethernet padding is not part of it.
/// </summary>
public readonly ref struct Ipv4Packet
{
    public ReadOnlySpan<byte> Buffer { get; }

    private Ipv4Packet(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, ChecksumPolicy checksums, out Ipv4Packet packet, out WireError error)
    {
        packet = default;
        if (!TryCheckHeader(buffer, out int headerLength, out int totalLength, out error)) return false;
        if (totalLength > buffer.Length) { error = WireError.Truncated; return false; }
        if ((checksums & ChecksumPolicy.Verify) != 0 && !InternetChecksum.Verify(buffer[..headerLength]))
        {
            error = WireError.BadChecksum;
            return false;
        }
        packet = new Ipv4Packet(buffer[..totalLength]);
        return true;
    }

    /// <summary>
    /// Views the datagram an ICMP error quotes (RFC 792: its header and at least 8 bytes of its payload).
    /// The header must be whole and well formed; the payload may end before the total length says,
    /// so <see cref="Payload"/> holds what was quoted. The checksum is not verified: the quoting router
    /// may have changed the header.
    /// </summary>
    public static bool TryCreateQuoted(ReadOnlySpan<byte> buffer, out Ipv4Packet packet, out WireError error)
    {
        packet = default;
        if (!TryCheckHeader(buffer, out _, out int totalLength, out error)) return false;
        packet = new Ipv4Packet(buffer[..Math.Min(totalLength, buffer.Length)]);
        return true;
    }

    /// <summary>
    /// The lighter check the tunnel codecs make before they read or rewrite a header in place: options and flags are
    /// the inner sender's business, not the tunnel's. Checks version 4, a header length of at least 20 octets, and a
    /// total length that covers the header and fits in <paramref name="datagram"/>; yields the header and total lengths.
    /// </summary>
    public static bool TryMeasure(ReadOnlySpan<byte> datagram, out int headerLength, out int totalLength, out WireError error)
    {
        headerLength = 0;
        totalLength = 0;
        if (datagram.Length < Ipv4Field.MinHeaderLength) { error = WireError.Truncated; return false; }
        if (datagram[Ipv4Field.VersionIhl] >> 4 != 4) { error = WireError.BadVersion; return false; }
        int ihl = (datagram[Ipv4Field.VersionIhl] & 0x0F) * 4;
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[Ipv4Field.TotalLength..]);
        if (ihl < Ipv4Field.MinHeaderLength || length < ihl) { error = WireError.BadLength; return false; }
        if (length > datagram.Length) { error = WireError.Truncated; return false; }
        headerLength = ihl;
        totalLength = length;
        error = WireError.None;
        return true;
    }

    private static bool TryCheckHeader(ReadOnlySpan<byte> buffer, out int headerLength, out int totalLength, out WireError error)
    {
        headerLength = 0;
        totalLength = 0;
        if (buffer.Length < Ipv4Field.MinHeaderLength) { error = WireError.Truncated; return false; }
        if (buffer[Ipv4Field.VersionIhl] >> 4 != 4) { error = WireError.BadVersion; return false; }
        headerLength = (buffer[Ipv4Field.VersionIhl] & 0x0F) * 4;
        if (headerLength < Ipv4Field.MinHeaderLength) { error = WireError.BadLength; return false; }
        if (headerLength > buffer.Length) { error = WireError.Truncated; return false; }
        totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[Ipv4Field.TotalLength..]);
        if (totalLength < headerLength) { error = WireError.BadLength; return false; }
        // RFC 791 sec 3.1: bit 0 of the flags is reserved and must be zero.
        if ((BinaryPrimitives.ReadUInt16BigEndian(buffer[Ipv4Field.FlagsFragment..]) & Ipv4Field.ReservedFlag) != 0)
        {
            error = WireError.ReservedBitSet;
            return false;
        }
        error = Ipv4OptionReader.Validate(buffer[Ipv4Field.Options..headerLength]);
        return error == WireError.None;
    }

    public byte Version => (byte)(Buffer[Ipv4Field.VersionIhl] >> 4);
    /// <summary>Header length in bytes (IHL x 4), options included.</summary>
    public int HeaderLength => (Buffer[Ipv4Field.VersionIhl] & 0x0F) * 4;
    /// <summary>The whole TOS octet: DSCP in the upper six bits, ECN in the lower two.</summary>
    public byte TypeOfService => Buffer[Ipv4Field.TypeOfService];
    public byte Dscp => (byte)(TypeOfService >> 2);
    public byte Ecn => (byte)(TypeOfService & 0x03);
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Ipv4Field.TotalLength..]);
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Ipv4Field.Identification..]);
    private ushort FlagsFragment => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Ipv4Field.FlagsFragment..]);
    public bool DontFragment => (FlagsFragment & Ipv4Field.DontFragmentFlag) != 0;
    public bool MoreFragments => (FlagsFragment & Ipv4Field.MoreFragmentsFlag) != 0;
    /// <summary>Fragment offset in 8-byte units, as on the wire.</summary>
    public ushort FragmentOffset => (ushort)(FlagsFragment & Ipv4Field.FragmentOffsetMask);
    /// <summary>True for any fragment: more fragments follow, or this is not the first (RFC 791 sec 2.3).</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;
    public byte TimeToLive => Buffer[Ipv4Field.TimeToLive];
    public IpProtocol Protocol => (IpProtocol)Buffer[Ipv4Field.Protocol];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Buffer[Ipv4Field.Checksum..]);
    public Ipv4Address Source => Ipv4Address.Read(Buffer[Ipv4Field.Source..]);
    public Ipv4Address Destination => Ipv4Address.Read(Buffer[Ipv4Field.Destination..]);
    public ReadOnlySpan<byte> Header => Buffer[..HeaderLength];
    public ReadOnlySpan<byte> Options => Buffer[Ipv4Field.Options..HeaderLength];
    public Ipv4OptionReader ReadOptions() => new(Options);
    public ReadOnlySpan<byte> Payload => Buffer[HeaderLength..];
    public bool IsChecksumValid => InternetChecksum.Verify(Header);
}

/// <summary>
/// Representation of an IPv4 header. <see cref="PayloadLength"/> is the bytes after the header (total length
/// minus header length); the payload itself is the next layer's. <see cref="FragmentOffset"/> is in 8-byte units.
/// Options are kept verbatim; read them with <see cref="Ipv4OptionReader"/>.
/// </summary>
public readonly record struct Ipv4Header(
    Ipv4Address Source,
    Ipv4Address Destination,
    IpProtocol Protocol,
    int PayloadLength,
    byte TimeToLive = 64,
    ushort Identification = 0,
    bool DontFragment = false,
    bool MoreFragments = false,
    ushort FragmentOffset = 0,
    byte Dscp = 0,
    byte Ecn = 0,
    OptionBytes Options = default)
{
    public const int MinLength = Ipv4Field.MinHeaderLength;

    /// <summary>Header bytes, options included.</summary>
    public int Length => Ipv4Field.MinHeaderLength + Options.Length;

    /// <summary>Header and payload: the total length field.</summary>
    public int BufferLength => Length + PayloadLength;

    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    public static bool TryParse(ReadOnlySpan<byte> buffer, ChecksumPolicy checksums, out Ipv4Header header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!Ipv4Packet.TryCreate(buffer, checksums, out var packet, out error)) return false;
        OptionBytes.TryCreate(packet.Options, out var options); // IHL bounds options to 40 bytes in 32-bit words
        header = new Ipv4Header(packet.Source, packet.Destination, packet.Protocol, packet.TotalLength - packet.HeaderLength,
            packet.TimeToLive, packet.Identification, packet.DontFragment, packet.MoreFragments, packet.FragmentOffset,
            packet.Dscp, packet.Ecn, options);
        bytesConsumed = packet.HeaderLength;
        return true;
    }

    /// <summary>
    /// Writes the header into the first <see cref="Length"/> bytes of <paramref name="buffer"/>; returns the bytes written.
    /// The checksum is computed when <paramref name="checksums"/> includes <see cref="ChecksumPolicy.Compute"/>, else left zero.
    /// </summary>
    public int Emit(Span<byte> buffer, ChecksumPolicy checksums = ChecksumPolicy.Both)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BufferLength, ushort.MaxValue, nameof(PayloadLength));
        int length = Length;
        buffer[Ipv4Field.VersionIhl] = (byte)(0x40 | (length / 4));
        buffer[Ipv4Field.TypeOfService] = (byte)((Dscp << 2) | (Ecn & 0x03));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.TotalLength..], (ushort)BufferLength);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.Identification..], Identification);
        ushort flagsFragment = (ushort)((FragmentOffset & Ipv4Field.FragmentOffsetMask)
            | (DontFragment ? Ipv4Field.DontFragmentFlag : 0)
            | (MoreFragments ? Ipv4Field.MoreFragmentsFlag : 0));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.FlagsFragment..], flagsFragment);
        buffer[Ipv4Field.TimeToLive] = TimeToLive;
        buffer[Ipv4Field.Protocol] = (byte)Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.Checksum..], 0);
        Source.Write(buffer[Ipv4Field.Source..]);
        Destination.Write(buffer[Ipv4Field.Destination..]);
        Options.CopyTo(buffer[Ipv4Field.Options..]);
        if ((checksums & ChecksumPolicy.Compute) != 0)
            BinaryPrimitives.WriteUInt16BigEndian(buffer[Ipv4Field.Checksum..], InternetChecksum.Compute(buffer[..length]));
        return length;
    }
}

/// <summary>
/// In-place edits a forwarding router makes to a header it has already checked with <see cref="Ipv4Packet.TryCreate"/>.
/// They touch only the header bytes and allocate nothing.
/// </summary>
public static class Ipv4InPlace
{
    /// <summary>
    /// Decrements the TTL and updates the checksum incrementally (RFC 1624 eqn. 3) when the datagram may be
    /// forwarded. Returns false, leaving the header untouched, when the TTL is 0 or 1: the router must discard
    /// the datagram and send Time Exceeded instead (RFC 1812 sec 5.3.1).
    /// </summary>
    public static bool TryDecrementTimeToLive(Span<byte> header)
    {
        byte ttl = header[Ipv4Field.TimeToLive];
        if (ttl <= 1) return false;
        // TTL and protocol share one 16-bit word of the checksum.
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(header[Ipv4Field.TimeToLive..]);
        ushort newWord = (ushort)(oldWord - 0x0100);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(header[Ipv4Field.Checksum..]);
        header[Ipv4Field.TimeToLive] = (byte)(ttl - 1);
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Field.Checksum..], InternetChecksum.Update(checksum, oldWord, newWord));
        return true;
    }

    /// <summary>Recomputes the header checksum from scratch, over the IHL x 4 header bytes.</summary>
    public static void RewriteChecksum(Span<byte> header)
    {
        int length = (header[Ipv4Field.VersionIhl] & 0x0F) * 4;
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Field.Checksum..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(header[Ipv4Field.Checksum..], InternetChecksum.Compute(header[..length]));
    }
}
