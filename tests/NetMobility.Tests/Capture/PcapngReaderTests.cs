using System.Text;
using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class PcapngReaderTests
{
    private static CaptureReader OpenBytes(byte[] bytes) => CaptureReader.Open(new MemoryStream(bytes), "test.pcapng");

    private static CaptureRecord ReadOne(CaptureReader reader)
    {
        Assert.Equal(CaptureReadResult.Record, reader.TryRead(out var record));
        return record;
    }

    // A big-endian file written out field by field (draft-ietf-opsawg-pcapng):
    private static readonly byte[] BigEndianFile = Hex.Bytes(
        // @0 SHB (sec 4.1): type, length 28, byte-order magic, version 1.0, section length -1, length.
        "0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffffffffffff 0000001c"
        // @28 IDB (sec 4.2): Ethernet, snaplen 262144, no options: microsecond timestamps.
        + "00000001 00000014 0001 0000 00040000 00000014"
        // @48 IDB: LINKTYPE_IPV4 (228), snaplen 65535, if_name "tun0", if_tsresol 9, opt_endofopt.
        + "00000001 00000028 00e4 0000 0000ffff 0002 0004 74756e30 0009 0001 09000000 00000000 00000028"
        // @88 EPB (sec 4.3): interface 0, 1700000000123456 us = 0x00060a24_18202240, 42 of 42 bytes, 2 bytes padding.
        + "00000006 0000004c 00000000 00060a24 18202240 0000002a 0000002a" + Hex.Of(TestFrames.ArpRequest) + "0000 0000004c"
        // @164 EPB: interface 1, 1700000000123456789 ns = 0x17979cfe_3d85cd15, 39 of 39 bytes, 1 byte padding.
        + "00000006 00000048 00000001 17979cfe 3d85cd15 00000027 00000027" + Hex.Of(TestFrames.Ipv4Udp) + "00 00000048");

    [Fact]
    public void Reads_a_big_endian_file_built_byte_by_byte()
    {
        using var reader = OpenBytes(BigEndianFile);
        var ng = Assert.IsType<PcapngReader>(reader);
        Assert.Equal(CaptureFormat.Pcapng, reader.Format);
        Assert.True(ng.IsBigEndian);
        Assert.Equal(0, ng.SectionIndex);

        var first = ReadOne(reader);
        Assert.Equal(1_700_000_000_123_456_000L, first.TimestampNanoseconds);
        Assert.Equal(0, first.InterfaceIndex);
        Assert.Equal(LinkType.Ethernet, first.LinkType);
        Assert.Equal(42, first.OriginalLength);
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(first.Data.Span));

        var second = ReadOne(reader);
        Assert.Equal(1_700_000_000_123_456_789L, second.TimestampNanoseconds);
        Assert.Equal(1, second.InterfaceIndex);
        Assert.Equal(LinkType.RawIpv4, second.LinkType);
        Assert.Equal(Hex.Of(TestFrames.Ipv4Udp), Hex.Of(second.Data.Span));

        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
        Assert.Equal(2, reader.Interfaces.Count);
        Assert.Equal(new CaptureInterface(LinkType.Ethernet, 262144, TimestampResolution.Microseconds), reader.Interfaces[0]);
        Assert.Equal(new CaptureInterface(LinkType.RawIpv4, 65535, TimestampResolution.Nanoseconds, 0, "tun0"), reader.Interfaces[1]);
        Assert.Equal(BigEndianFile.Length, reader.Position);
    }

    [Fact]
    public void The_same_file_little_endian_gives_the_same_records()
    {
        const bool le = false;
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(le),
            CaptureBytes.InterfaceDescription(le, 1, 262144),
            CaptureBytes.InterfaceDescription(le, 228, 65535,
                CaptureBytes.Option(le, 2, "tun0"u8), CaptureBytes.Option(le, 9, [9]), CaptureBytes.EndOfOptions),
            CaptureBytes.EnhancedPacket(le, 0, 1_700_000_000_123_456UL, TestFrames.ArpRequest),
            CaptureBytes.EnhancedPacket(le, 1, 1_700_000_000_123_456_789UL, TestFrames.Ipv4Udp));
        Assert.Equal(BigEndianFile.Length, file.Length);
        using var little = OpenBytes(file);
        using var big = OpenBytes(BigEndianFile);
        Assert.False(((PcapngReader)little).IsBigEndian);
        for (int i = 0; i < 2; i++)
        {
            var a = ReadOne(little);
            var b = ReadOne(big);
            Assert.Equal((b.TimestampNanoseconds, b.InterfaceIndex, b.LinkType, b.OriginalLength), (a.TimestampNanoseconds, a.InterfaceIndex, a.LinkType, a.OriginalLength));
            Assert.Equal(Hex.Of(b.Data.Span), Hex.Of(a.Data.Span));
        }
        Assert.Equal(CaptureReadResult.End, little.TryRead(out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unknown_blocks_and_options_are_skipped_by_their_length(bool be)
    {
        var file = CaptureBytes.Concat(
            // Section options: shb_hardware, shb_os, an opt_comment and a custom option (code 2988).
            CaptureBytes.SectionHeader(be, CaptureBytes.Option(be, 2, "x86"u8), CaptureBytes.Option(be, 3, "Linux"u8),
                CaptureBytes.Option(be, 1, "lab run"u8), CaptureBytes.Option(be, 2988, [0, 0, 0x7e, 0xd9, 1, 2, 3]), CaptureBytes.EndOfOptions),
            // Name Resolution Block (type 4), before any interface.
            CaptureBytes.Block(be, 4, Hex.Bytes("0001 0009 0a000001 686f737400 000000 0000 0000")),
            CaptureBytes.InterfaceDescription(be, 1, 1500, CaptureBytes.Option(be, 3, "first port"u8), CaptureBytes.Option(be, 4, Hex.Bytes("0a000001ffffff00"))),
            // Enhanced packet with epb_flags (code 2) and a comment, which the reader passes over.
            CaptureBytes.EnhancedPacket(be, 0, 7, TestFrames.ArpRequest, null, CaptureBytes.Option(be, 2, [0, 0, 0, 1]), CaptureBytes.Option(be, 1, "hi"u8), CaptureBytes.EndOfOptions),
            // Interface Statistics Block (5), a custom block (0x00000bad), a local-use block (MSB set), an empty unknown block.
            CaptureBytes.Block(be, 5, new byte[20]),
            CaptureBytes.Block(be, 0x0000_0BAD, Hex.Bytes("00007ed9 0102030405")),
            CaptureBytes.Block(be, 0x8000_0001, new byte[100]),
            CaptureBytes.Block(be, 0x0000_0042, []),
            CaptureBytes.EnhancedPacket(be, 0, 8, TestFrames.ArpReply));
        using var reader = OpenBytes(file);
        var first = ReadOne(reader);
        Assert.Equal(7_000L, first.TimestampNanoseconds);
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(first.Data.Span));
        var second = ReadOne(reader);
        Assert.Equal(8_000L, second.TimestampNanoseconds);
        Assert.Equal(Hex.Of(TestFrames.ArpReply), Hex.Of(second.Data.Span));
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
        Assert.Equal(file.Length, reader.Position);
    }

    [Fact]
    public void Several_sections_each_in_its_own_byte_order_restart_interface_numbering()
    {
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(false),
            CaptureBytes.InterfaceDescription(false, 1, 65535),
            CaptureBytes.EnhancedPacket(false, 0, 1, TestFrames.ArpRequest),
            CaptureBytes.SectionHeader(true),
            CaptureBytes.InterfaceDescription(true, 228, 65535),
            CaptureBytes.InterfaceDescription(true, 1, 65535),
            CaptureBytes.EnhancedPacket(true, 0, 2, TestFrames.Ipv4Udp),
            CaptureBytes.EnhancedPacket(true, 1, 3, TestFrames.GratuitousArp),
            CaptureBytes.SectionHeader(false),
            CaptureBytes.InterfaceDescription(false, 101, 65535),
            CaptureBytes.EnhancedPacket(false, 0, 4, TestFrames.Ipv4EchoReply));
        using var reader = OpenBytes(file);
        var ng = (PcapngReader)reader;

        var r = ReadOne(reader);
        Assert.Equal((0, false, 0, LinkType.Ethernet, 1_000L), (ng.SectionIndex, ng.IsBigEndian, r.InterfaceIndex, r.LinkType, r.TimestampNanoseconds));
        r = ReadOne(reader);
        Assert.Equal((1, true, 0, LinkType.RawIpv4, 2_000L), (ng.SectionIndex, ng.IsBigEndian, r.InterfaceIndex, r.LinkType, r.TimestampNanoseconds));
        r = ReadOne(reader);
        Assert.Equal((1, true, 1, LinkType.Ethernet, 3_000L), (ng.SectionIndex, ng.IsBigEndian, r.InterfaceIndex, r.LinkType, r.TimestampNanoseconds));
        Assert.Equal(Hex.Of(TestFrames.GratuitousArp), Hex.Of(r.Data.Span));
        r = ReadOne(reader);
        Assert.Equal((2, false, 0, LinkType.Raw, 4_000L), (ng.SectionIndex, ng.IsBigEndian, r.InterfaceIndex, r.LinkType, r.TimestampNanoseconds));
        Assert.Single(reader.Interfaces);
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Simple_packets_use_interface_0_and_its_snap_length(bool be)
    {
        var payload = Encoding.ASCII.GetBytes(new string('x', 64));
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(be),
            CaptureBytes.InterfaceDescription(be, 1, 64),
            // 100 bytes on the wire, 64 kept: the captured length is min(original, snaplen) (sec 4.4).
            CaptureBytes.SimplePacket(be, 100, payload),
            CaptureBytes.SimplePacket(be, 42, TestFrames.ArpRequest),
            CaptureBytes.SectionHeader(be),
            // Snap length 0 is no limit: everything of the original length is there.
            CaptureBytes.InterfaceDescription(be, 228, 0),
            CaptureBytes.SimplePacket(be, 39, TestFrames.Ipv4Udp));
        using var reader = OpenBytes(file);
        var cut = ReadOne(reader);
        Assert.Equal((100L, 64, 0, LinkType.Ethernet, 0L), (cut.OriginalLength, cut.Data.Length, cut.InterfaceIndex, cut.LinkType, cut.TimestampNanoseconds));
        Assert.Equal(payload, cut.Data.ToArray());
        var whole = ReadOne(reader);
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(whole.Data.Span));
        var raw = ReadOne(reader);
        Assert.Equal(LinkType.RawIpv4, raw.LinkType);
        Assert.Equal(Hex.Of(TestFrames.Ipv4Udp), Hex.Of(raw.Data.Span));
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
    }

    [Theory]
    // if_tsresol, raw timestamp, nanoseconds expected (pcapng draft sec 4.2).
    [InlineData(0x06, 1_700_000_000_000_001UL, 1_700_000_000_000_001_000L)]         // 10^-6, the default
    [InlineData(0x09, 1_700_000_000_000_000_001UL, 1_700_000_000_000_000_001L)]     // 10^-9
    [InlineData(0x03, 1_700_000_000_250UL, 1_700_000_000_250_000_000L)]             // 10^-3
    [InlineData(0x00, 1_700_000_000UL, 1_700_000_000_000_000_000L)]                 // whole seconds
    [InlineData(0x0c, 1_700_000_000_000_000_999UL, 1_700_000_000_000_000L)]         // 10^-12: 1.7e9 s is too late; 1700000 s and 999 ps round down
    [InlineData(0x8a, 1_700_000_000UL * 1024 + 512, 1_700_000_000_500_000_000L)]    // 2^-10: 512/1024 s
    [InlineData(0x9e, (1UL << 30) * 3 + (1UL << 29), 3_500_000_000L)]               // 2^-30
    [InlineData(0xbf, (1UL << 63) + (1UL << 62), 1_500_000_000L)]                   // 2^-63
    public void Timestamp_resolutions_in_powers_of_ten_and_of_two(byte code, ulong raw, long expected)
    {
        const bool le = false;
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(le),
            CaptureBytes.InterfaceDescription(le, 1, 0, CaptureBytes.Option(le, 9, [code])),
            CaptureBytes.EnhancedPacket(le, 0, raw, TestFrames.ArpRequest));
        using var reader = OpenBytes(file);
        Assert.Equal(expected, ReadOne(reader).TimestampNanoseconds);
        Assert.Equal(code, reader.Interfaces[0].Resolution.Code);
    }

    [Fact]
    public void If_tsoffset_seconds_are_added_to_every_timestamp()
    {
        const bool be = true;
        var offset = new CaptureBytes(be).U64(1_000).ToArray();
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(be),
            CaptureBytes.InterfaceDescription(be, 1, 0, CaptureBytes.Option(be, 9, [9]), CaptureBytes.Option(be, 14, offset), CaptureBytes.EndOfOptions),
            CaptureBytes.EnhancedPacket(be, 0, 5, TestFrames.ArpRequest));
        using var reader = OpenBytes(file);
        Assert.Equal(1_000_000_000_005L, ReadOne(reader).TimestampNanoseconds);
        Assert.Equal(1_000, reader.Interfaces[0].TimestampOffsetSeconds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Packets_of_any_length_keep_their_padding_out_of_the_data(int length)
    {
        var data = TestFrames.Ipv4Udp.AsSpan(0, length).ToArray();
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(false),
            CaptureBytes.InterfaceDescription(false, 228, 0),
            CaptureBytes.EnhancedPacket(false, 0, 1, data),
            CaptureBytes.EnhancedPacket(false, 0, 2, TestFrames.Ipv4Udp));
        using var reader = OpenBytes(file);
        Assert.Equal(Hex.Of(data), Hex.Of(ReadOne(reader).Data.Span));
        Assert.Equal(Hex.Of(TestFrames.Ipv4Udp), Hex.Of(ReadOne(reader).Data.Span));
    }

    [Fact]
    public void A_given_section_length_is_accepted_and_the_blocks_are_still_walked()
    {
        var file = CaptureBytes.Concat(
            CaptureBytes.SectionHeader(false),
            CaptureBytes.InterfaceDescription(false, 1, 0),
            CaptureBytes.EnhancedPacket(false, 0, 1, TestFrames.ArpRequest));
        // Sec 4.1: the section length counts the bytes after the section header: 20 + 76.
        file = CorruptionAssert.Patch(file, 16, "6000000000000000");
        using var reader = OpenBytes(file);
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(ReadOne(reader).Data.Span));
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
    }

    [Fact]
    public void A_section_without_packets_ends_cleanly()
    {
        using var reader = OpenBytes(CaptureBytes.SectionHeader(true));
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
        Assert.Empty(reader.Interfaces);
        Assert.Null(reader.Error);
    }
}
