namespace NetMobility.Capture;

/*  Classic pcap, draft-ietf-opsawg-pcap. All fields in the byte order the magic number shows.

    File header (sec 4):
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  0 |                          Magic Number                         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  4 |          Major Version        |         Minor Version         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  8 |                           Reserved1                           |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 12 |                           Reserved2                           |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 16 |                            SnapLen                            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 20 | FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    Packet record (sec 5):
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  0 |                      Timestamp (Seconds)                      |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  4 |            Timestamp (Microseconds or nanoseconds)            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
  8 |                    Captured Packet Length                     |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 12 |                    Original Packet Length                     |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 16 /                          Packet Data                          /
*/
internal static class PcapLayout
{
    // The magic numbers as the first four bytes read big-endian: the same value read the other way
    // round means the file was written in the other byte order.
    public const uint MicrosecondMagic = 0xA1B2C3D4;
    public const uint NanosecondMagic = 0xA1B23C4D;
    public const uint MicrosecondMagicSwapped = 0xD4C3B2A1;
    public const uint NanosecondMagicSwapped = 0x4D3CB2A1;

    public const ushort MajorVersion = 2;
    public const ushort MinorVersion = 4;

    public const int FileHeaderLength = 24;
    public const int VersionMajor = 4;
    public const int VersionMinor = 6;
    public const int Reserved1 = 8;
    public const int Reserved2 = 12;
    public const int SnapLen = 16;
    public const int LinkTypeAndFcs = 20;
    // Sec 4: only the low 16 bits are the link type; the upper bits carry FCS information readers may ignore.
    public const uint LinkTypeMask = 0xFFFF;

    public const int RecordHeaderLength = 16;
    public const int Seconds = 0;
    public const int Fraction = 4;
    public const int CapturedLength = 8;
    public const int OriginalLength = 12;
}
