using System.Buffers.Binary;

namespace NetMobility.Capture;

/// <summary>
/// Reads pcapng: any number of sections, each in its own byte order, with their interfaces;
/// packets from Enhanced and Simple Packet Blocks; every other block type is passed over by its
/// length. Open one through <see cref="CaptureReader.Open(string)"/>.
/// </summary>
/// <remarks>
/// Every block is checked: total length at least the block's minimum and a multiple of 4, the
/// trailing copy equal to the leading one, packet data inside the block. Errors name the offset of
/// the block at fault.
/// </remarks>
public sealed partial class PcapngReader : CaptureReader
{
    private const string Block = "block";
    private List<CaptureInterface> _interfaces = [];
    private bool _bigEndian;

    internal PcapngReader(CaptureInput input) : base(input) { }

    public override CaptureFormat Format => CaptureFormat.Pcapng;

    /// <summary>The interfaces the current section has described so far, by Interface ID.</summary>
    public override IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    /// <summary>The current section, counted from 0.</summary>
    public int SectionIndex { get; private set; } = -1;

    /// <summary>True when the current section was written big-endian.</summary>
    public bool IsBigEndian => _bigEndian;

    private protected override bool TryReadHeader()
    {
        Span<byte> length = stackalloc byte[4];
        int read = Input.ReadUpTo(length);
        if (read < length.Length)
            return Fail(CaptureErrorKind.Truncated, Block, 0, $"truncated: the section header block needs {PcapngLayout.SectionHeaderMinLength} bytes, the file holds {MagicLength + read}");
        return TryReadSectionHeader(0, length);
    }

    private protected override CaptureReadResult ReadRecord(out CaptureRecord record)
    {
        record = default;
        Span<byte> header = stackalloc byte[PcapngLayout.BlockHeaderLength];
        while (true)
        {
            long start = Input.Offset;
            int read = Input.ReadUpTo(header);
            if (read == 0) return CaptureReadResult.End;
            if (read < header.Length)
                return Stop(CaptureErrorKind.Truncated, Block, start, $"truncated: the block header needs {header.Length} bytes, the file ends after {read}");

            uint type = ByteOrder.ReadUInt32(header, _bigEndian);
            if (type == PcapngBlockType.SectionHeader)
            {
                if (!TryReadSectionHeader(start, header[4..])) return CaptureReadResult.Error;
                continue;
            }
            uint length = ByteOrder.ReadUInt32(header[4..], _bigEndian);
            switch (type)
            {
                case PcapngBlockType.InterfaceDescription:
                    if (!TryReadInterfaceDescription(start, length)) return CaptureReadResult.Error;
                    continue;
                case PcapngBlockType.EnhancedPacket:
                    return ReadEnhancedPacket(start, length, out record);
                case PcapngBlockType.SimplePacket:
                    return ReadSimplePacket(start, length, out record);
                default:
                    // Sec 3.1: a reader skips the blocks it does not know by their length.
                    if (!CheckLength(start, length, PcapngLayout.MinBlockLength, "any block")
                        || !TrySkip(start, length, length - PcapngLayout.MinBlockLength)
                        || !TryReadTrailer(start, length)) return CaptureReadResult.Error;
                    continue;
            }
        }
    }

    /// <summary>Sec 4.1: reads a section header whose type (and raw total length) are read; starts a new section.</summary>
    private bool TryReadSectionHeader(long start, ReadOnlySpan<byte> rawLength)
    {
        Span<byte> body = stackalloc byte[PcapngLayout.SectionHeaderFixedLength];
        int read = Input.ReadUpTo(body);
        if (read < body.Length)
            return Fail(CaptureErrorKind.Truncated, Block, start, $"truncated: the section header block needs {PcapngLayout.SectionHeaderMinLength} bytes, the file ends after {PcapngLayout.BlockHeaderLength + read}");

        // The byte-order magic, not the type, tells this section's byte order (sec 4.1).
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (magic == PcapngLayout.ByteOrderMagic) _bigEndian = false;
        else if (BinaryPrimitives.ReadUInt32BigEndian(body) == PcapngLayout.ByteOrderMagic) _bigEndian = true;
        else return Fail(CaptureErrorKind.BadMagic, Block, start, $"section header byte-order magic {Convert.ToHexStringLower(body[..4])} is neither 1a2b3c4d nor 4d3c2b1a");

        uint length = ByteOrder.ReadUInt32(rawLength, _bigEndian);
        if (!CheckLength(start, length, PcapngLayout.SectionHeaderMinLength, "a section header block")) return false;
        ushort major = ByteOrder.ReadUInt16(body[PcapngLayout.ShbMajorVersion..], _bigEndian);
        ushort minor = ByteOrder.ReadUInt16(body[PcapngLayout.ShbMinorVersion..], _bigEndian);
        if (major != PcapngLayout.MajorVersion)
            return Fail(CaptureErrorKind.UnsupportedVersion, Block, start, $"section version {major}.{minor} is not 1.x");

        // The section length is only a hint for skipping whole sections; blocks are walked one by one anyway.
        var options = default(InterfaceOptions);
        if (!TryReadOptions(start, length, length - PcapngLayout.SectionHeaderMinLength, forInterface: false, ref options)
            || !TryReadTrailer(start, length)) return false;
        _interfaces = [];
        SectionIndex++;
        return true;
    }

    /// <summary>Sec 4.2: an interface of the current section, numbered by its order in the section.</summary>
    private bool TryReadInterfaceDescription(long start, uint length)
    {
        if (!CheckLength(start, length, PcapngLayout.InterfaceMinLength, "an interface description block")) return false;
        Span<byte> body = stackalloc byte[PcapngLayout.InterfaceFixedLength];
        if (!TryReadBlock(start, length, body)) return false;
        var linkType = (LinkType)ByteOrder.ReadUInt16(body[PcapngLayout.IdbLinkType..], _bigEndian);
        uint snapLength = ByteOrder.ReadUInt32(body[PcapngLayout.IdbSnapLen..], _bigEndian);
        var options = new InterfaceOptions { Resolution = TimestampResolution.Microseconds };
        if (!TryReadOptions(start, length, length - PcapngLayout.InterfaceMinLength, forInterface: true, ref options)
            || !TryReadTrailer(start, length)) return false;
        _interfaces.Add(new CaptureInterface(linkType, snapLength, options.Resolution, options.OffsetSeconds, options.Name));
        return true;
    }

    /// <summary>Sec 3.1: a total length is at least the block's minimum and a multiple of 4.</summary>
    private bool CheckLength(long start, uint length, int minimum, string blockName)
    {
        if (length % 4 != 0)
            return Fail(CaptureErrorKind.BadLength, Block, start, $"total length {length} is not a multiple of 4");
        if (length < minimum)
            return Fail(CaptureErrorKind.BadLength, Block, start, $"total length {length} is below the {minimum}-byte minimum for {blockName}");
        return true;
    }

    /// <summary>Reads the next bytes of the block at <paramref name="start"/>; a short read is a truncated block.</summary>
    private bool TryReadBlock(long start, uint length, Span<byte> destination)
    {
        int read = Input.ReadUpTo(destination);
        return read == destination.Length || FailTruncated(start, length);
    }

    private bool TrySkip(long start, uint length, long count) =>
        Input.Skip(count) == count || FailTruncated(start, length);

    private bool FailTruncated(long start, uint length) =>
        Fail(CaptureErrorKind.Truncated, Block, start, $"truncated: total length {length}, the file ends after {Input.Offset - start} bytes of the block");

    /// <summary>Sec 3.1: the trailing Block Total Length repeats the leading one.</summary>
    private bool TryReadTrailer(long start, uint length)
    {
        Span<byte> trailer = stackalloc byte[PcapngLayout.TrailerLength];
        if (!TryReadBlock(start, length, trailer)) return false;
        uint trailing = ByteOrder.ReadUInt32(trailer, _bigEndian);
        return trailing == length
            || Fail(CaptureErrorKind.LengthMismatch, Block, start, $"trailing total length {trailing} differs from the leading total length {length}");
    }
}
