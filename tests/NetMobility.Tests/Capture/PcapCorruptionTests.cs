using NetMobility.Capture;
using static NetMobility.Tests.Capture.CorruptionAssert;

namespace NetMobility.Tests.Capture;

public class PcapCorruptionTests
{
    private const string Name = "capture.pcap";

    // @0 header (24 bytes), @24 record 1 (16 + 42), @82 record 2 (16 + 42), 140 bytes in all.
    private static readonly byte[] Good = CaptureBytes.Concat(
        CaptureBytes.PcapHeader(false, false, 65535, 1),
        CaptureBytes.PcapRecord(false, 1, 0, TestFrames.ArpRequest),
        CaptureBytes.PcapRecord(false, 2, 0, TestFrames.ArpReply));

    private static readonly byte[][] First = [TestFrames.ArpRequest];

    [Fact]
    public void The_intact_file_reads_whole()
    {
        using var reader = CaptureReader.Open(new MemoryStream(Good), Name);
        Assert.True(reader.Read(out _));
        Assert.True(reader.Read(out _));
        Assert.False(reader.Read(out _));
        Assert.Equal(140, reader.Position);
    }

    [Fact]
    public void Unknown_magic() => FailsToOpen(Patch(Good, 0, "12345678"), Name, CaptureErrorKind.BadMagic,
        "capture.pcap: file header at offset 0: unknown magic 0x12345678: neither pcap (a1b2c3d4, a1b23c4d, either byte order) nor pcapng (0a0d0d0a)");

    [Fact]
    public void Empty_file() => FailsToOpen([], Name, CaptureErrorKind.Truncated,
        "capture.pcap: file header at offset 0: the file is empty");

    [Fact]
    public void File_shorter_than_a_magic_number() => FailsToOpen(Cut(Good, 3), Name, CaptureErrorKind.Truncated,
        "capture.pcap: file header at offset 0: truncated: the file holds 3 bytes, too few for any capture header");

    [Theory]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(23)]
    public void Truncated_file_header(int length) => FailsToOpen(Cut(Good, length), Name, CaptureErrorKind.Truncated,
        $"capture.pcap: file header at offset 0: truncated: the pcap file header needs 24 bytes, the file holds {length}");

    [Fact]
    public void Unsupported_major_version() => FailsToOpen(Patch(Good, 4, "0300"), Name, CaptureErrorKind.UnsupportedVersion,
        "capture.pcap: file header at offset 0: pcap version 3.4 is not 2.x");

    [Theory]
    [InlineData(83, 1)]
    [InlineData(87, 5)]
    [InlineData(97, 15)]
    public void Truncated_record_header(int length, int left) => FailsAfter(Cut(Good, length), Name, First, CaptureErrorKind.Truncated, 82,
        $"capture.pcap: record at offset 82: truncated: the record header needs 16 bytes, the file ends after {left}");

    [Theory]
    [InlineData(98, 0)]
    [InlineData(108, 10)]
    [InlineData(139, 41)]
    public void Truncated_record_data(int length, int left) => FailsAfter(Cut(Good, length), Name, First, CaptureErrorKind.Truncated, 82,
        $"capture.pcap: record at offset 82: truncated: 42 bytes of packet data announced, the file ends after {left}");

    [Fact]
    public void Truncated_first_record_delivers_nothing() => FailsAfter(Cut(Good, 50), Name, [], CaptureErrorKind.Truncated, 24,
        "capture.pcap: record at offset 24: truncated: 42 bytes of packet data announced, the file ends after 10");

    [Fact]
    public void Captured_length_above_256_KiB() => FailsAfter(Patch(Good, 90, "e0930400"), Name, First, CaptureErrorKind.OversizedRecord, 82,
        "capture.pcap: record at offset 82: captured length 300000 exceeds the 262144-byte limit");

    [Theory]
    [InlineData("2a000000", false)] // snaplen 42: both 42-byte records fit
    [InlineData("29000000", true)]  // snaplen 41: both are a byte longer, and are read whole and flagged
    public void A_record_longer_than_the_snap_length_is_read_and_flagged(string snapLength, bool flagged)
    {
        using var reader = CaptureReader.Open(new MemoryStream(Patch(Good, 16, snapLength)), Name);
        foreach (var frame in new[] { TestFrames.ArpRequest, TestFrames.ArpReply })
        {
            Assert.Equal(CaptureReadResult.Record, reader.TryRead(out var record));
            Assert.Equal(Hex.Of(frame), Hex.Of(record.Data.Span));
            Assert.Equal(flagged, record.ExceedsSnapLength);
        }
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out _));
    }

    [Fact]
    public void Opening_a_path_names_the_path_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netmob-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, Cut(Good, 100));
        try
        {
            using var reader = CaptureReader.Open(path);
            Assert.True(reader.Read(out _));
            var thrown = Assert.Throws<CaptureFormatException>(() => reader.Read(out _));
            Assert.Equal($"{path}: record at offset 82: truncated: 42 bytes of packet data announced, the file ends after 2", thrown.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
