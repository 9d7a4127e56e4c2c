using NetMobility.Capture;
using static NetMobility.Tests.Capture.CorruptionAssert;

namespace NetMobility.Tests.Capture;

public class PcapngCorruptionTests
{
    private const string Name = "capture.pcapng";
    private const bool Le = false;

    // @0 SHB (28), @28 IDB Ethernet snaplen 1500 (20), @48 EPB (76), @124 EPB (76), 200 bytes in all.
    private static readonly byte[] Good = CaptureBytes.Concat(
        CaptureBytes.SectionHeader(Le),
        CaptureBytes.InterfaceDescription(Le, 1, 1500),
        CaptureBytes.EnhancedPacket(Le, 0, 1, TestFrames.ArpRequest),
        CaptureBytes.EnhancedPacket(Le, 0, 2, TestFrames.ArpReply));

    private static readonly byte[][] First = [TestFrames.ArpRequest];

    private static byte[] WithInterfaceOptions(params byte[][] options) => CaptureBytes.Concat(
        CaptureBytes.SectionHeader(Le),
        CaptureBytes.InterfaceDescription(Le, 1, 0, options),
        CaptureBytes.EnhancedPacket(Le, 0, 1, TestFrames.ArpRequest));

    [Fact]
    public void The_intact_file_reads_whole()
    {
        Assert.Equal(200, Good.Length);
        using var reader = CaptureReader.Open(new MemoryStream(Good), Name);
        Assert.True(reader.Read(out _));
        Assert.True(reader.Read(out _));
        Assert.False(reader.Read(out _));
    }

    [Theory]
    [InlineData(6, "the section header block needs 28 bytes, the file holds 6")]
    [InlineData(20, "the section header block needs 28 bytes, the file ends after 20")]
    [InlineData(26, "total length 28, the file ends after 26 bytes of the block")]
    public void Truncated_section_header(int length, string detail) =>
        FailsToOpen(Cut(Good, length), Name, CaptureErrorKind.Truncated, $"capture.pcapng: block at offset 0: truncated: {detail}");

    [Fact]
    public void Bad_byte_order_magic() => FailsToOpen(Patch(Good, 8, "11223344"), Name, CaptureErrorKind.BadMagic,
        "capture.pcapng: block at offset 0: section header byte-order magic 11223344 is neither 1a2b3c4d nor 4d3c2b1a");

    [Fact]
    public void Unsupported_section_version() => FailsToOpen(Patch(Good, 12, "0200"), Name, CaptureErrorKind.UnsupportedVersion,
        "capture.pcapng: block at offset 0: section version 2.0 is not 1.x");

    [Fact]
    public void Section_header_length_not_a_multiple_of_4() => FailsToOpen(Patch(Good, 4, "1d000000"), Name, CaptureErrorKind.BadLength,
        "capture.pcapng: block at offset 0: total length 29 is not a multiple of 4");

    [Fact]
    public void Total_length_not_a_multiple_of_4() => FailsAfter(Patch(Good, 128, "4d000000"), Name, First, CaptureErrorKind.BadLength, 124,
        "capture.pcapng: block at offset 124: total length 77 is not a multiple of 4");

    [Fact]
    public void Total_length_7_is_refused_before_anything_else() => FailsAfter(Patch(Good, 128, "07000000"), Name, First, CaptureErrorKind.BadLength, 124,
        "capture.pcapng: block at offset 124: total length 7 is not a multiple of 4");

    [Fact]
    public void Total_length_below_the_block_minimum() => FailsAfter(Patch(Good, 128, "1c000000"), Name, First, CaptureErrorKind.BadLength, 124,
        "capture.pcapng: block at offset 124: total length 28 is below the 32-byte minimum for an enhanced packet block");

    [Fact]
    public void Unknown_block_shorter_than_any_block()
    {
        var file = CaptureBytes.Concat(Cut(Good, 124), Hex.Bytes("42000000 08000000"), Good.AsSpan(124).ToArray());
        FailsAfter(file, Name, First, CaptureErrorKind.BadLength, 124,
            "capture.pcapng: block at offset 124: total length 8 is below the 12-byte minimum for any block");
    }

    [Fact]
    public void Trailing_length_differs_from_the_leading_one() => FailsAfter(Patch(Good, 196, "50000000"), Name, First, CaptureErrorKind.LengthMismatch, 124,
        "capture.pcapng: block at offset 124: trailing total length 80 differs from the leading total length 76");

    [Fact]
    public void Trailing_length_of_an_unknown_block_is_checked_too()
    {
        var unknown = CaptureBytes.Block(Le, 0x42, new byte[8]);
        unknown[^4] = 0x18;
        FailsAfter(CaptureBytes.Concat(Cut(Good, 124), unknown), Name, First, CaptureErrorKind.LengthMismatch, 124,
            "capture.pcapng: block at offset 124: trailing total length 24 differs from the leading total length 20");
    }

    [Theory]
    [InlineData(125, "the block header needs 8 bytes, the file ends after 1")]
    [InlineData(129, "the block header needs 8 bytes, the file ends after 5")]
    [InlineData(144, "total length 76, the file ends after 20 bytes of the block")] // inside the fixed fields
    [InlineData(174, "total length 76, the file ends after 50 bytes of the block")] // inside the packet data
    [InlineData(197, "total length 76, the file ends after 73 bytes of the block")] // inside the padding
    [InlineData(198, "total length 76, the file ends after 74 bytes of the block")] // inside the trailing length
    public void Truncated_packet_block(int length, string detail) =>
        FailsAfter(Cut(Good, length), Name, First, CaptureErrorKind.Truncated, 124, $"capture.pcapng: block at offset 124: truncated: {detail}");

    [Fact]
    public void Truncated_interface_block_delivers_nothing() => FailsAfter(Cut(Good, 38), Name, [], CaptureErrorKind.Truncated, 28,
        "capture.pcapng: block at offset 28: truncated: total length 20, the file ends after 10 bytes of the block");

    [Fact]
    public void Truncated_unknown_block()
    {
        var file = CaptureBytes.Concat(Cut(Good, 124), CaptureBytes.Block(Le, 0x42, new byte[100]));
        FailsAfter(Cut(file, 124 + 60), Name, First, CaptureErrorKind.Truncated, 124,
            "capture.pcapng: block at offset 124: truncated: total length 112, the file ends after 60 bytes of the block");
    }

    [Fact]
    public void Captured_length_above_256_KiB() => FailsAfter(Patch(Good, 144, "e0930400"), Name, First, CaptureErrorKind.OversizedRecord, 124,
        "capture.pcapng: block at offset 124: captured length 300000 exceeds the 262144-byte limit");

    [Theory]
    [InlineData("2a000000", false)] // IDB snaplen 42: both 42-byte packets fit
    [InlineData("29000000", true)]  // snaplen 41: both are a byte longer, and are read whole and flagged
    public void A_packet_longer_than_the_snap_length_is_read_and_flagged(string snapLength, bool flagged)
    {
        using var reader = CaptureReader.Open(new MemoryStream(Patch(Good, 40, snapLength)), Name);
        foreach (var frame in new[] { TestFrames.ArpRequest, TestFrames.ArpReply })
        {
            Assert.Equal(CaptureReadResult.Record, reader.TryRead(out var record));
            Assert.Equal(Hex.Of(frame), Hex.Of(record.Data.Span));
            Assert.Equal(flagged, record.ExceedsSnapLength);
        }
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
    }

    [Fact]
    public void Captured_length_that_does_not_fit_its_block() => FailsAfter(Patch(Good, 144, "2d000000"), Name, First, CaptureErrorKind.BadLength, 124,
        "capture.pcapng: block at offset 124: captured length 45 does not fit in total length 76");

    [Fact]
    public void Packet_on_an_interface_the_section_has_not_described() => FailsAfter(Patch(Good, 132, "01000000"), Name, First, CaptureErrorKind.UnknownInterface, 124,
        "capture.pcapng: block at offset 124: enhanced packet block names interface 1, the section has described 1");

    [Fact]
    public void Interfaces_of_an_earlier_section_do_not_carry_over()
    {
        var file = CaptureBytes.Concat(Cut(Good, 124), CaptureBytes.SectionHeader(true), CaptureBytes.EnhancedPacket(true, 0, 1, TestFrames.ArpReply));
        FailsAfter(file, Name, First, CaptureErrorKind.UnknownInterface, 152,
            "capture.pcapng: block at offset 152: enhanced packet block names interface 0, the section has described 0");
    }

    [Fact]
    public void Simple_packet_without_an_interface()
    {
        var file = CaptureBytes.Concat(CaptureBytes.SectionHeader(Le), CaptureBytes.SimplePacket(Le, 42, TestFrames.ArpRequest));
        FailsAfter(file, Name, [], CaptureErrorKind.UnknownInterface, 28,
            "capture.pcapng: block at offset 28: simple packet block needs interface 0, the section has described none");
    }

    [Fact]
    public void Simple_packet_shorter_than_its_original_length_without_a_snap_length()
    {
        var file = CaptureBytes.Concat(CaptureBytes.SectionHeader(Le), CaptureBytes.InterfaceDescription(Le, 1, 0),
            CaptureBytes.SimplePacket(Le, 100, TestFrames.ArpRequest));
        FailsAfter(file, Name, [], CaptureErrorKind.BadLength, 48,
            "capture.pcapng: block at offset 48: captured length 100 does not fit in total length 60");
    }

    [Fact]
    public void Simple_packet_above_256_KiB_without_a_snap_length()
    {
        var file = CaptureBytes.Concat(CaptureBytes.SectionHeader(Le), CaptureBytes.InterfaceDescription(Le, 1, 0),
            CaptureBytes.SimplePacket(Le, 300_000, TestFrames.ArpRequest));
        FailsAfter(file, Name, [], CaptureErrorKind.OversizedRecord, 48,
            "capture.pcapng: block at offset 48: captured length 300000 exceeds the 262144-byte limit");
    }

    [Fact]
    public void Second_section_with_a_bad_byte_order_magic()
    {
        var file = CaptureBytes.Concat(Cut(Good, 124), Patch(CaptureBytes.SectionHeader(Le), 8, "00000000"));
        FailsAfter(file, Name, First, CaptureErrorKind.BadMagic, 124,
            "capture.pcapng: block at offset 124: section header byte-order magic 00000000 is neither 1a2b3c4d nor 4d3c2b1a");
    }

    [Fact]
    public void Option_running_past_its_block()
    {
        // if_name claiming 100 bytes in an option area of 8.
        var file = WithInterfaceOptions(Hex.Bytes("0200 6400 74756e30"));
        FailsAfter(file, Name, [], CaptureErrorKind.BadOption, 28,
            "capture.pcapng: block at offset 28: option 2 of length 100 runs past the end of the block");
    }

    [Theory]
    [InlineData("0900 0200 0909 0000", "if_tsresol has length 2, not 1")]
    [InlineData("0900 0100 14 000000", "if_tsresol 0x14 is finer than 10^-19 or 2^-63 s")]
    [InlineData("0900 0100 c0 000000", "if_tsresol 0xc0 is finer than 10^-19 or 2^-63 s")]
    [InlineData("0e00 0400 01000000", "if_tsoffset has length 4, not 8")]
    public void Interface_option_with_a_bad_value(string option, string detail) =>
        FailsAfter(WithInterfaceOptions(Hex.Bytes(option)), Name, [], CaptureErrorKind.BadOption, 28, $"capture.pcapng: block at offset 28: {detail}");

    [Fact]
    public void Timestamp_beyond_what_nanoseconds_in_a_long_hold()
    {
        var file = CaptureBytes.Concat(Cut(Good, 124), CaptureBytes.EnhancedPacket(Le, 0, ulong.MaxValue, TestFrames.ArpReply));
        FailsAfter(file, Name, First, CaptureErrorKind.TimestampOutOfRange, 124,
            "capture.pcapng: block at offset 124: timestamp 18446744073709551615 in units of 10^-6 s lies outside the years 1678 to 2262");
    }
}
