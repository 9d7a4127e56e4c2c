namespace NetMobility.Capture;

/*  pcapng, draft-ietf-opsawg-pcapng. Every block (sec 3.1):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  0 |                          Block Type                           |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  4 |                      Block Total Length                       |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  8 /                          Block Body                           /
    /              variable length, padded to 32 bits               /
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                      Block Total Length                       |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    Section Header Block body (sec 4.1), at offset 8:
      Byte-Order Magic 0x1A2B3C4D (32) | Major Version (16) | Minor Version (16) |
      Section Length (64, -1 = not given) | Options
    Interface Description Block body (sec 4.2):
      LinkType (16) | Reserved (16) | SnapLen (32) | Options
    Enhanced Packet Block body (sec 4.3):
      Interface ID (32) | Timestamp High (32) | Timestamp Low (32) | Captured Packet Length (32) |
      Original Packet Length (32) | Packet Data, padded to 32 bits | Options
    Simple Packet Block body (sec 4.4):
      Original Packet Length (32) | Packet Data, padded to 32 bits

    Option (sec 3.5): Option Code (16) | Option Length (16) | Value, padded to 32 bits.
    The list ends with opt_endofopt (code 0) or with the block body.
*/
internal static class PcapngBlockType
{
    // Palindromic on purpose: it reads the same in either byte order, before the order is known.
    public const uint SectionHeader = 0x0A0D0D0A;
    public const uint InterfaceDescription = 0x00000001;
    public const uint SimplePacket = 0x00000003;
    public const uint EnhancedPacket = 0x00000006;
}

internal static class PcapngLayout
{
    public const uint ByteOrderMagic = 0x1A2B3C4D;
    public const ushort MajorVersion = 1;
    public const ushort MinorVersion = 0;
    public const long UnspecifiedSectionLength = -1;

    /// <summary>Block Type and the leading Block Total Length.</summary>
    public const int BlockHeaderLength = 8;
    public const int TrailerLength = 4;
    /// <summary>The smallest block: header and trailer, no body.</summary>
    public const int MinBlockLength = BlockHeaderLength + TrailerLength;

    public const int SectionHeaderFixedLength = 16; // magic, versions, section length
    public const int SectionHeaderMinLength = MinBlockLength + SectionHeaderFixedLength;
    public const int ShbByteOrderMagic = 0;
    public const int ShbMajorVersion = 4;
    public const int ShbMinorVersion = 6;
    public const int ShbSectionLength = 8;

    public const int InterfaceFixedLength = 8;
    public const int InterfaceMinLength = MinBlockLength + InterfaceFixedLength;
    public const int IdbLinkType = 0;
    public const int IdbReserved = 2;
    public const int IdbSnapLen = 4;

    public const int EnhancedPacketFixedLength = 20;
    public const int EnhancedPacketMinLength = MinBlockLength + EnhancedPacketFixedLength;
    public const int EpbInterfaceId = 0;
    public const int EpbTimestampHigh = 4;
    public const int EpbTimestampLow = 8;
    public const int EpbCapturedLength = 12;
    public const int EpbOriginalLength = 16;

    public const int SimplePacketFixedLength = 4;
    public const int SimplePacketMinLength = MinBlockLength + SimplePacketFixedLength;

    public const int OptionHeaderLength = 4;

    /// <summary>Rounds up to the 32-bit boundary every block body field and option value is padded to.</summary>
    public static long Pad4(long length) => (length + 3) & ~3L;
}

/// <summary>Option codes read or written here (pcapng draft sec 3.5, 4.1, 4.2).</summary>
internal static class PcapngOption
{
    public const ushort EndOfOptions = 0;
    public const ushort ShbUserApplication = 4;
    public const ushort IfName = 2;
    public const ushort IfTimestampResolution = 9;
    public const ushort IfTimestampOffset = 14;
}
