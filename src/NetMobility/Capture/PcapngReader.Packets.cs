namespace NetMobility.Capture;

public sealed partial class PcapngReader
{
    /// <summary>Sec 4.3: a packet with its interface, 64-bit timestamp and both lengths; its options are passed over.</summary>
    private CaptureReadResult ReadEnhancedPacket(long start, uint length, out CaptureRecord record)
    {
        record = default;
        if (!CheckLength(start, length, PcapngLayout.EnhancedPacketMinLength, "an enhanced packet block")) return CaptureReadResult.Error;
        Span<byte> body = stackalloc byte[PcapngLayout.EnhancedPacketFixedLength];
        if (!TryReadBlock(start, length, body)) return CaptureReadResult.Error;

        uint interfaceId = ByteOrder.ReadUInt32(body[PcapngLayout.EpbInterfaceId..], _bigEndian);
        ulong units = ((ulong)ByteOrder.ReadUInt32(body[PcapngLayout.EpbTimestampHigh..], _bigEndian) << 32)
                      | ByteOrder.ReadUInt32(body[PcapngLayout.EpbTimestampLow..], _bigEndian);
        uint captured = ByteOrder.ReadUInt32(body[PcapngLayout.EpbCapturedLength..], _bigEndian);
        uint original = ByteOrder.ReadUInt32(body[PcapngLayout.EpbOriginalLength..], _bigEndian);
        if (interfaceId >= (uint)_interfaces.Count)
            return Stop(CaptureErrorKind.UnknownInterface, Block, start, $"enhanced packet block names interface {interfaceId}, the section has described {_interfaces.Count}");
        var iface = _interfaces[(int)interfaceId];
        if (!CheckCapturedLength(start, captured)) return CaptureReadResult.Error;
        long room = length - PcapngLayout.EnhancedPacketMinLength;
        if (PcapngLayout.Pad4(captured) > room)
            return Stop(CaptureErrorKind.BadLength, Block, start, $"captured length {captured} does not fit in total length {length}");
        if (!iface.Resolution.TryToUnixNanoseconds(units, iface.TimestampOffsetSeconds, out long nanoseconds))
            return Stop(CaptureErrorKind.TimestampOutOfRange, Block, start, $"timestamp {units} in units of {iface.Resolution} lies outside the years 1678 to 2262");

        var data = RecordBuffer((int)captured);
        if (!TryReadBlock(start, length, data.Span)
            || !TrySkip(start, length, room - captured)
            || !TryReadTrailer(start, length)) return CaptureReadResult.Error;
        record = new CaptureRecord(nanoseconds, original, data, (int)interfaceId, iface.LinkType,
            exceedsSnapLength: iface.SnapLength != 0 && captured > iface.SnapLength);
        return CaptureReadResult.Record;
    }

    /// <summary>
    /// Sec 4.4: a packet on interface 0 with only its original length; the captured length is the
    /// smaller of that and the interface's snap length. It carries no timestamp: the record's is 0.
    /// </summary>
    private CaptureReadResult ReadSimplePacket(long start, uint length, out CaptureRecord record)
    {
        record = default;
        if (!CheckLength(start, length, PcapngLayout.SimplePacketMinLength, "a simple packet block")) return CaptureReadResult.Error;
        Span<byte> body = stackalloc byte[PcapngLayout.SimplePacketFixedLength];
        if (!TryReadBlock(start, length, body)) return CaptureReadResult.Error;
        uint original = ByteOrder.ReadUInt32(body, _bigEndian);
        if (_interfaces.Count == 0)
            return Stop(CaptureErrorKind.UnknownInterface, Block, start, "simple packet block needs interface 0, the section has described none");
        var iface = _interfaces[0];
        uint captured = iface.SnapLength == 0 ? original : Math.Min(original, iface.SnapLength);
        if (!CheckCapturedLength(start, captured)) return CaptureReadResult.Error;
        long room = length - PcapngLayout.SimplePacketMinLength;
        if (PcapngLayout.Pad4(captured) > room)
            return Stop(CaptureErrorKind.BadLength, Block, start, $"captured length {captured} does not fit in total length {length}");

        var data = RecordBuffer((int)captured);
        if (!TryReadBlock(start, length, data.Span)
            || !TrySkip(start, length, room - captured)
            || !TryReadTrailer(start, length)) return CaptureReadResult.Error;
        record = new CaptureRecord(0, original, data, 0, iface.LinkType);
        return CaptureReadResult.Record;
    }

    private bool CheckCapturedLength(long start, uint captured) =>
        captured <= MaxCapturedLength
        || Fail(CaptureErrorKind.OversizedRecord, Block, start, $"captured length {captured} exceeds the {MaxCapturedLength}-byte limit");
}
