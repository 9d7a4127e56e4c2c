using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        if (data.Length >= VectorThreshold && BitConverter.IsLittleEndian)
        {
            // RFC 1071 sec 2(B): the one's-complement sum does not depend on byte order. Sum the words in the
            // machine's order, fold, and swap once, instead of swapping every word.
            int whole = data.Length & ~1;
            sum += BinaryPrimitives.ReverseEndianness(Fold(SumNative(data[..whole])));
            if (whole != data.Length) sum += (ulong)data[^1] << 8;
            return sum;
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

    private const int VectorThreshold = 64;

    /// <summary>Sum of the 32-bit words of an even-length buffer in machine byte order, widened so that no carry is lost.</summary>
    private static ulong SumNative(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        ref byte start = ref MemoryMarshal.GetReference(data);
        int i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= 64)
        {
            var low = Vector256<ulong>.Zero;
            var high = Vector256<ulong>.Zero;
            for (; i <= data.Length - 64; i += 64)
            {
                var a = Vector256.LoadUnsafe(ref start, (nuint)i).AsUInt32();
                var b = Vector256.LoadUnsafe(ref start, (nuint)(i + 32)).AsUInt32();
                var (a0, a1) = Vector256.Widen(a);
                var (b0, b1) = Vector256.Widen(b);
                low += a0 + b0;
                high += a1 + b1;
            }
            sum = Vector256.Sum(low) + Vector256.Sum(high);
        }
        for (; i <= data.Length - 4; i += 4)
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        if (i < data.Length) sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
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
