using System.Buffers.Binary;

namespace NetMobility.Files;

/// <summary>
/// What a file is, told from its first bytes, for messages about a file given in the wrong place (a capture
/// passed as a configuration). Only formats this toolkit meets are named.
/// </summary>
public static class FileSignature
{
    /// <summary>The bytes needed to tell the formats apart.</summary>
    public const int Length = 4;

    /// <summary>"a pcap capture", "a pcapng capture", or null when <paramref name="start"/> names none of them.</summary>
    public static string? Describe(ReadOnlySpan<byte> start)
    {
        if (start.Length < Length) return null;
        return BinaryPrimitives.ReadUInt32BigEndian(start) switch
        {
            // draft-ietf-opsawg-pcap sec 4: microsecond and nanosecond magic, in either byte order.
            0xA1B2C3D4 or 0xD4C3B2A1 or 0xA1B23C4D or 0x4D3CB2A1 => "a pcap capture",
            // draft-ietf-opsawg-pcapng sec 4.1: the section header block type, a palindrome.
            0x0A0D0D0A => "a pcapng capture",
            _ => null,
        };
    }
}
