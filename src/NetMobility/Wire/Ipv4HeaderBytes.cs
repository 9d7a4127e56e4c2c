using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>
/// The few IPv4 header fields the tunnel codecs read or rewrite in place (RFC 791 sec 3.1 offsets), and the
/// length check they share. Not an IPv4 codec: just enough to wrap and unwrap datagrams without a copy.
/// </summary>
internal static class Ipv4HeaderBytes
{
    public const int VersionAndIhl = 0;
    public const int TypeOfService = 1;
    public const int TotalLength = 2;
    public const int Identification = 4;
    public const int FlagsAndFragment = 6;
    public const int Ttl = 8;
    public const int Protocol = 9;
    public const int Checksum = 10;
    public const int Source = 12;
    public const int Destination = 16;
    public const int MinHeaderLength = 20;
    public const ushort DontFragment = 0x4000;
    public const ushort MoreFragmentsAndOffset = 0x3FFF;

    /// <summary>
    /// Checks version 4, a header length of at least 20 octets, and a total length that covers the header and
    /// fits in <paramref name="datagram"/>; yields the header and total lengths.
    /// </summary>
    public static bool TryMeasure(ReadOnlySpan<byte> datagram, out int headerLength, out int totalLength, out WireError error)
    {
        headerLength = 0;
        totalLength = 0;
        if (datagram.Length < MinHeaderLength) { error = WireError.Truncated; return false; }
        if (datagram[VersionAndIhl] >> 4 != 4) { error = WireError.BadVersion; return false; }
        int ihl = (datagram[VersionAndIhl] & 0x0F) * 4;
        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[TotalLength..]);
        if (ihl < MinHeaderLength || length < ihl) { error = WireError.BadLength; return false; }
        if (length > datagram.Length) { error = WireError.Truncated; return false; }
        headerLength = ihl;
        totalLength = length;
        error = WireError.None;
        return true;
    }

    /// <summary>Zeroes the checksum field and writes the checksum of <paramref name="header"/> (the whole IPv4 header).</summary>
    public static void RecomputeChecksum(Span<byte> header)
    {
        BinaryPrimitives.WriteUInt16BigEndian(header[Checksum..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(header[Checksum..], InternetChecksum.Compute(header));
    }
}
