using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>
/// The length check the tunnel codecs share before they read or rewrite an IPv4 header in place (offsets in
/// <see cref="Ipv4Field"/>). Lighter than <see cref="Ipv4Packet.TryCreate"/>: options and flags are the inner
/// sender's business, not the tunnel's.
/// </summary>
internal static class Ipv4HeaderBytes
{
    /// <summary>
    /// Checks version 4, a header length of at least 20 octets, and a total length that covers the header and
    /// fits in <paramref name="datagram"/>; yields the header and total lengths.
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
}
