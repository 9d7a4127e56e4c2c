using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words.
/// <see cref="Accumulate"/> sums without folding so pieces (pseudo-header, header, payload) can be chained.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 64-bit sum. An odd trailing byte is padded with zero (RFC 1071 sec 4.1).</summary>
    public static ulong Accumulate(ulong sum, ReadOnlySpan<byte> data)
    {
        // Sum 32-bit big-endian words into 64 bits: carries pile up above bit 32 and are folded once at the end.
        while (data.Length >= 16)
        {
            sum += (ulong)BinaryPrimitives.ReadUInt32BigEndian(data)
                 + BinaryPrimitives.ReadUInt32BigEndian(data[4..])
                 + BinaryPrimitives.ReadUInt32BigEndian(data[8..])
                 + BinaryPrimitives.ReadUInt32BigEndian(data[12..]);
            data = data[16..];
        }
        while (data.Length >= 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data);
            data = data[4..];
        }
        if (data.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }
        if (data.Length == 1) sum += (ulong)data[0] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits (not complemented).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum to store in a header: complement of the folded sum.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Fold(Accumulate(0, data));

    /// <summary>True when data that includes its checksum field sums to 0xFFFF.</summary>
    public static bool Verify(ReadOnlySpan<byte> data) => Fold(Accumulate(0, data)) == 0xFFFF;

    /// <summary>Sum of the IPv4 pseudo-header used by UDP and TCP (RFC 768, RFC 9293 sec 3.1).</summary>
    public static ulong PseudoHeader(Ipv4Address source, Ipv4Address destination, byte protocol, int length) =>
        (ulong)source.Value + destination.Value + protocol + (uint)length;

    /// <summary>
    /// Incremental update when one 16-bit word changes from <paramref name="oldWord"/> to <paramref name="newWord"/>
    /// (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
    /// </summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldWord + newWord;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
