using System.Buffers.Binary;

namespace NetMobility.Capture;

/// <summary>
/// Reads classic pcap files in either byte order, with microsecond (a1b2c3d4) or nanosecond
/// (a1b23c4d) timestamps. Open one through <see cref="CaptureReader.Open(string)"/>.
/// </summary>
public sealed class PcapReader : CaptureReader
{
    private const string FileHeader = "file header";
    private const string Record = "record";
    private readonly uint _magic;
    private CaptureInterface[] _interfaces = [];

    /// <param name="magic">The first four bytes read big-endian, already consumed from <paramref name="input"/>.</param>
    internal PcapReader(CaptureInput input, uint magic) : base(input) => _magic = magic;

    public override CaptureFormat Format => CaptureFormat.Pcap;

    public override IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    /// <summary>True when the file was written big-endian (magic bytes a1 b2 ..).</summary>
    public bool IsBigEndian { get; private set; }

    public ushort MajorVersion { get; private set; }
    public ushort MinorVersion { get; private set; }

    public LinkType LinkType { get; private set; }

    /// <summary>The snap length from the file header; 0 is taken as no limit.</summary>
    public uint SnapLength { get; private set; }

    /// <summary>Microseconds or nanoseconds, from the magic number.</summary>
    public TimestampResolution Resolution { get; private set; }

    internal static bool IsMagic(uint firstFourBigEndian) => firstFourBigEndian is
        PcapLayout.MicrosecondMagic or PcapLayout.NanosecondMagic or
        PcapLayout.MicrosecondMagicSwapped or PcapLayout.NanosecondMagicSwapped;

    private protected override bool TryReadHeader()
    {
        Span<byte> header = stackalloc byte[PcapLayout.FileHeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header, _magic);
        int read = Input.ReadUpTo(header[MagicLength..]) + MagicLength;
        if (read < PcapLayout.FileHeaderLength)
            return Fail(CaptureErrorKind.Truncated, FileHeader, 0, $"truncated: the pcap file header needs {PcapLayout.FileHeaderLength} bytes, the file holds {read}");

        IsBigEndian = _magic is PcapLayout.MicrosecondMagic or PcapLayout.NanosecondMagic;
        Resolution = _magic is PcapLayout.NanosecondMagic or PcapLayout.NanosecondMagicSwapped
            ? TimestampResolution.Nanoseconds
            : TimestampResolution.Microseconds;
        MajorVersion = ByteOrder.ReadUInt16(header[PcapLayout.VersionMajor..], IsBigEndian);
        MinorVersion = ByteOrder.ReadUInt16(header[PcapLayout.VersionMinor..], IsBigEndian);
        // Sec 4: a new major version means a layout this reader cannot know; minor versions 2.x all share it.
        if (MajorVersion != PcapLayout.MajorVersion)
            return Fail(CaptureErrorKind.UnsupportedVersion, FileHeader, 0, $"pcap version {MajorVersion}.{MinorVersion} is not 2.x");
        SnapLength = ByteOrder.ReadUInt32(header[PcapLayout.SnapLen..], IsBigEndian);
        LinkType = (LinkType)(ByteOrder.ReadUInt32(header[PcapLayout.LinkTypeAndFcs..], IsBigEndian) & PcapLayout.LinkTypeMask);
        _interfaces = [new CaptureInterface(LinkType, SnapLength, Resolution)];
        return true;
    }

    private protected override CaptureReadResult ReadRecord(out CaptureRecord record)
    {
        record = default;
        long start = Input.Offset;
        Span<byte> header = stackalloc byte[PcapLayout.RecordHeaderLength];
        int read = Input.ReadUpTo(header);
        if (read == 0) return CaptureReadResult.End;
        if (read < PcapLayout.RecordHeaderLength)
            return Stop(CaptureErrorKind.Truncated, Record, start, $"truncated: the record header needs {PcapLayout.RecordHeaderLength} bytes, the file ends after {read}");

        uint seconds = ByteOrder.ReadUInt32(header[PcapLayout.Seconds..], IsBigEndian);
        uint fraction = ByteOrder.ReadUInt32(header[PcapLayout.Fraction..], IsBigEndian);
        uint captured = ByteOrder.ReadUInt32(header[PcapLayout.CapturedLength..], IsBigEndian);
        uint original = ByteOrder.ReadUInt32(header[PcapLayout.OriginalLength..], IsBigEndian);
        if (captured > MaxCapturedLength)
            return Stop(CaptureErrorKind.OversizedRecord, Record, start, $"captured length {captured} exceeds the {MaxCapturedLength}-byte limit");

        var data = RecordBuffer((int)captured);
        read = Input.ReadUpTo(data.Span);
        if (read < captured)
            return Stop(CaptureErrorKind.Truncated, Record, start, $"truncated: {captured} bytes of packet data announced, the file ends after {read}");

        // 2^32 seconds plus 2^32 fraction units stay far inside a long of nanoseconds, so no range check.
        long nanoseconds = seconds * 1_000_000_000L + fraction * (Resolution == TimestampResolution.Nanoseconds ? 1L : 1_000L);
        record = new CaptureRecord(nanoseconds, original, data, 0, LinkType, exceedsSnapLength: SnapLength != 0 && captured > SnapLength);
        return CaptureReadResult.Record;
    }
}
