using System.Buffers.Binary;

namespace NetMobility.Tests.Capture;

/// <summary>
/// Builds capture files field by field, in either byte order, so that reader tests start from
/// bytes no writer of this project produced. Layouts: draft-ietf-opsawg-pcap sec 4-5 and
/// draft-ietf-opsawg-pcapng sec 3.1, 3.5, 4.1-4.4.
/// </summary>
internal sealed class CaptureBytes(bool bigEndian)
{
    private readonly List<byte> _bytes = [];

    public bool BigEndian => bigEndian;
    public int Length => _bytes.Count;

    public CaptureBytes U16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value); else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _bytes.AddRange(b.ToArray());
        return this;
    }

    public CaptureBytes U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.AddRange(b.ToArray());
        return this;
    }

    public CaptureBytes U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, value); else BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _bytes.AddRange(b.ToArray());
        return this;
    }

    public CaptureBytes Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes.ToArray());
        return this;
    }

    /// <summary>Zero bytes up to the next 32-bit boundary.</summary>
    public CaptureBytes Pad()
    {
        while (_bytes.Count % 4 != 0) _bytes.Add(0);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    // ---- classic pcap ----

    public static byte[] PcapHeader(bool bigEndian, bool nanoseconds, uint snapLength, uint linkType) =>
        new CaptureBytes(bigEndian)
            .U32(nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u).U16(2).U16(4).U32(0).U32(0).U32(snapLength).U32(linkType)
            .ToArray();

    public static byte[] PcapRecord(bool bigEndian, uint seconds, uint fraction, ReadOnlySpan<byte> data, uint? originalLength = null) =>
        new CaptureBytes(bigEndian)
            .U32(seconds).U32(fraction).U32((uint)data.Length).U32(originalLength ?? (uint)data.Length).Raw(data)
            .ToArray();

    // ---- pcapng ----

    /// <summary>Any block: type, total length, body padded to 32 bits, total length again.</summary>
    public static byte[] Block(bool bigEndian, uint type, ReadOnlySpan<byte> body)
    {
        int padded = (body.Length + 3) & ~3;
        return new CaptureBytes(bigEndian).U32(type).U32((uint)(12 + padded)).Raw(body).Pad().U32((uint)(12 + padded)).ToArray();
    }

    /// <summary>One option: code, length, value padded to 32 bits (sec 3.5).</summary>
    public static byte[] Option(bool bigEndian, ushort code, ReadOnlySpan<byte> value) =>
        new CaptureBytes(bigEndian).U16(code).U16((ushort)value.Length).Raw(value).Pad().ToArray();

    public static byte[] EndOfOptions => [0, 0, 0, 0];

    public static byte[] SectionHeader(bool bigEndian, params byte[][] options)
    {
        var body = new CaptureBytes(bigEndian).U32(0x1A2B3C4D).U16(1).U16(0).U64(ulong.MaxValue);
        foreach (var o in options) body.Raw(o);
        return Block(bigEndian, 0x0A0D0D0A, body.ToArray());
    }

    public static byte[] InterfaceDescription(bool bigEndian, ushort linkType, uint snapLength, params byte[][] options)
    {
        var body = new CaptureBytes(bigEndian).U16(linkType).U16(0).U32(snapLength);
        foreach (var o in options) body.Raw(o);
        return Block(bigEndian, 1, body.ToArray());
    }

    public static byte[] EnhancedPacket(bool bigEndian, uint interfaceId, ulong timestamp, ReadOnlySpan<byte> data, uint? originalLength = null, params byte[][] options)
    {
        var body = new CaptureBytes(bigEndian)
            .U32(interfaceId).U32((uint)(timestamp >> 32)).U32((uint)timestamp)
            .U32((uint)data.Length).U32(originalLength ?? (uint)data.Length).Raw(data).Pad();
        foreach (var o in options) body.Raw(o);
        return Block(bigEndian, 6, body.ToArray());
    }

    public static byte[] SimplePacket(bool bigEndian, uint originalLength, ReadOnlySpan<byte> data) =>
        Block(bigEndian, 3, new CaptureBytes(bigEndian).U32(originalLength).Raw(data).ToArray());

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
