using System.Buffers.Binary;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// The digest of a memory image (docs/page-stream.md sec 3.5): the sum, modulo 2^128, of one 128-bit hash per
/// non-zero page (<see cref="PageDigestTable"/>). Held by value, 16 octets big-endian on the wire, so records that
/// carry it allocate nothing.
/// </summary>
public readonly record struct ImageDigest(UInt128 Value)
{
    public const int Length = 16;

    public static ImageDigest Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt128BigEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    public override string ToString() => Value.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
}
