using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class PcapReaderTests
{
    private static CaptureReader OpenBytes(byte[] bytes) => CaptureReader.Open(new MemoryStream(bytes), "test.pcap");

    [Fact]
    public void Reads_a_big_endian_microsecond_file_built_byte_by_byte()
    {
        // draft-ietf-opsawg-pcap sec 4: magic a1b2c3d4 as written by a big-endian host, version 2.4,
        // reserved 0 0, snaplen 65535, link type 1; sec 5: seconds 0x6553f100 (1700000000),
        // microseconds 0x0001e240 (123456), captured 42, original 60.
        var file = Hex.Bytes("a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000001"
                             + "6553f100 0001e240 0000002a 0000003c" + Hex.Of(TestFrames.ArpRequest));
        using var reader = OpenBytes(file);
        var pcap = Assert.IsType<PcapReader>(reader);
        Assert.True(pcap.IsBigEndian);
        Assert.Equal(TimestampResolution.Microseconds, pcap.Resolution);
        Assert.Equal(65535u, pcap.SnapLength);
        Assert.Equal((2, 4), (pcap.MajorVersion, pcap.MinorVersion));
        var iface = Assert.Single(reader.Interfaces);
        Assert.Equal(LinkType.Ethernet, iface.LinkType);

        Assert.True(reader.Read(out var record));
        Assert.Equal(1_700_000_000_123_456_000L, record.TimestampNanoseconds);
        Assert.Equal(60, record.OriginalLength);
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(record.Data.Span));
        Assert.False(reader.Read(out _));
    }

    [Fact]
    public void Reads_a_big_endian_nanosecond_file_of_raw_ipv4_built_byte_by_byte()
    {
        // Magic a1b23c4d (nanoseconds), link type 228 (LINKTYPE_IPV4); nanoseconds 0x075bcd15 (123456789).
        var file = Hex.Bytes("a1b23c4d 0002 0004 00000000 00000000 00040000 000000e4"
                             + "6553f100 075bcd15 00000027 00000027" + Hex.Of(TestFrames.Ipv4Udp)
                             + "6553f101 00000001 00000020 00000020" + Hex.Of(TestFrames.Ipv4EchoRequest));
        using var reader = OpenBytes(file);
        Assert.Equal(TimestampResolution.Nanoseconds, ((PcapReader)reader).Resolution);
        Assert.True(reader.Read(out var first));
        Assert.Equal(1_700_000_000_123_456_789L, first.TimestampNanoseconds);
        Assert.Equal(LinkType.RawIpv4, first.LinkType);
        Assert.Equal(Hex.Of(TestFrames.Ipv4Udp), Hex.Of(first.Data.Span));
        Assert.True(reader.Read(out var second));
        Assert.Equal(1_700_000_001_000_000_001L, second.TimestampNanoseconds);
        Assert.Equal(Hex.Of(TestFrames.Ipv4EchoRequest), Hex.Of(second.Data.Span));
        Assert.False(reader.Read(out _));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Both_byte_orders_and_both_units_give_the_same_records(bool bigEndian, bool nanoseconds)
    {
        uint fraction = nanoseconds ? 5_000u : 5u;
        var file = CaptureBytes.Concat(
            CaptureBytes.PcapHeader(bigEndian, nanoseconds, 262144, 1),
            CaptureBytes.PcapRecord(bigEndian, 1_000_000_000, fraction, TestFrames.ArpReply),
            CaptureBytes.PcapRecord(bigEndian, 1_000_000_001, 0, TestFrames.GratuitousArp, 64));
        using var reader = OpenBytes(file);
        Assert.Equal(bigEndian, ((PcapReader)reader).IsBigEndian);
        Assert.True(reader.Read(out var first));
        Assert.Equal(1_000_000_000_000_005_000L, first.TimestampNanoseconds);
        Assert.Equal(Hex.Of(TestFrames.ArpReply), Hex.Of(first.Data.Span));
        Assert.True(reader.Read(out var second));
        Assert.Equal(1_000_000_001_000_000_000L, second.TimestampNanoseconds);
        Assert.Equal(64, second.OriginalLength);
        Assert.False(reader.Read(out _));
    }

    [Fact]
    public void Link_type_raw_101_is_accepted()
    {
        var file = CaptureBytes.Concat(CaptureBytes.PcapHeader(false, false, 65535, 101),
                                       CaptureBytes.PcapRecord(false, 1, 0, TestFrames.Ipv4Udp));
        using var reader = OpenBytes(file);
        Assert.True(reader.Read(out var record));
        Assert.Equal(LinkType.Raw, record.LinkType);
    }

    [Fact]
    public void Link_type_is_the_low_16_bits_and_the_fcs_bits_above_are_ignored()
    {
        // draft-ietf-opsawg-pcap sec 4: FCS length and flag live above the 16-bit link type.
        var file = CaptureBytes.PcapHeader(false, false, 65535, 0x2400_0001);
        using var reader = OpenBytes(file);
        Assert.Equal(LinkType.Ethernet, ((PcapReader)reader).LinkType);
    }

    [Fact]
    public void Snap_length_zero_sets_no_limit_below_the_256_KiB_cap()
    {
        var big = new byte[70_000];
        var file = CaptureBytes.Concat(CaptureBytes.PcapHeader(false, false, 0, 1), CaptureBytes.PcapRecord(false, 1, 0, big));
        using var reader = OpenBytes(file);
        Assert.True(reader.Read(out var record));
        Assert.Equal(70_000, record.Data.Length);
    }

    [Fact]
    public void A_file_with_only_a_header_has_no_records()
    {
        using var reader = OpenBytes(CaptureBytes.PcapHeader(true, true, 65535, 228));
        Assert.Equal(CaptureReadResult.End, reader.TryRead(out var record));
        Assert.True(record.Data.IsEmpty);
        Assert.Null(reader.Error);
    }
}
