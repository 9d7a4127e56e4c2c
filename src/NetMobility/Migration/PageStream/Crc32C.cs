using System.Buffers.Binary;
using System.Numerics;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of every page-stream record. System.IO.Hashing is not part of
/// the shared framework, so the project carries its own on top of <see cref="BitOperations.Crc32C(uint, ulong)"/>,
/// which uses the SSE 4.2 / ARMv8 CRC instructions where the CPU has them.
/// </summary>
public static class Crc32C
{
    /// <summary>Starting value of a running CRC (RFC 3720 sec 12.1: register preset to all ones).</summary>
    public const uint Seed = 0xFFFF_FFFF;

    /// <summary>Adds <paramref name="data"/> to a running CRC started with <see cref="Seed"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        if (data.Length >= 4)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    /// <summary>The final value of a running CRC (RFC 3720 sec 12.1: ones' complement of the register).</summary>
    public static uint Finish(uint crc) => ~crc;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));
}
