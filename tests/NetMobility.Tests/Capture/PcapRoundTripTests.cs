using FsCheck;
using FsCheck.Fluent;
using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class PcapRoundTripTests
{
    private static CaptureReader Reopen(MemoryStream stream)
    {
        stream.Position = 0;
        return CaptureReader.Open(stream, "mem.pcap");
    }

    [Fact]
    public void Nanosecond_file_keeps_every_nanosecond()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
        {
            writer.Write(1_700_000_000_123_456_789L, TestFrames.ArpRequest);
            writer.Write(1_700_000_001_000_000_001L, TestFrames.ArpReply.AsSpan(0, 14), 42);
            Assert.Equal(2, writer.RecordsWritten);
        }
        using var reader = Reopen(stream);
        var pcap = Assert.IsType<PcapReader>(reader);
        Assert.Equal(CaptureFormat.Pcap, reader.Format);
        Assert.Equal(TimestampResolution.Nanoseconds, pcap.Resolution);
        Assert.False(pcap.IsBigEndian);
        Assert.Equal(LinkType.Ethernet, pcap.LinkType);
        Assert.Equal((uint)PcapWriter.DefaultSnapLength, pcap.SnapLength);

        Assert.True(reader.Read(out var first));
        Assert.Equal(1_700_000_000_123_456_789L, first.TimestampNanoseconds);
        Assert.Equal(42, first.OriginalLength);
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(first.Data.Span));
        Assert.Equal(0, first.InterfaceIndex);
        Assert.Equal(LinkType.Ethernet, first.LinkType);

        Assert.True(reader.Read(out var second));
        Assert.Equal(1_700_000_001_000_000_001L, second.TimestampNanoseconds);
        Assert.Equal(42, second.OriginalLength);
        Assert.Equal(Hex.Of(TestFrames.ArpReply.AsSpan(0, 14)), Hex.Of(second.Data.Span));

        Assert.False(reader.Read(out _));
        Assert.Null(reader.Error);
        Assert.Equal(2, reader.RecordsRead);
    }

    [Fact]
    public void Microsecond_file_cuts_timestamps_to_the_microsecond()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.RawIpv4, TimestampResolution.Microseconds, leaveOpen: true))
            writer.Write(1_700_000_000_123_456_789L, TestFrames.Ipv4Udp);
        Assert.Equal("d4c3b2a1", Hex.Of(stream.ToArray().AsSpan(0, 4)));
        using var reader = Reopen(stream);
        Assert.True(reader.Read(out var record));
        Assert.Equal(1_700_000_000_123_456_000L, record.TimestampNanoseconds);
        Assert.Equal(LinkType.RawIpv4, record.LinkType);
    }

    [Fact]
    public void Writer_emits_the_layout_of_the_draft_byte_for_byte()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.RawIpv4, TimestampResolution.Microseconds, snapLength: 65535, leaveOpen: true))
            writer.Write(1_700_000_000_123_456_000L, TestFrames.Ipv4EchoRequest);
        // draft-ietf-opsawg-pcap sec 4 and 5, little-endian: magic, 2.4, two reserved words,
        // snaplen 65535, link type 228; then seconds 0x6553f100, microseconds 123456, 32, 32.
        var expected = "d4c3b2a1 0200 0400 00000000 00000000 ffff0000 e4000000"
                       + "00f15365 40e20100 20000000 20000000" + Hex.Of(TestFrames.Ipv4EchoRequest);
        Assert.Equal(Hex.Of(Hex.Bytes(expected)), Hex.Of(stream.ToArray()));
    }

    [Fact]
    public void Packets_longer_than_the_snap_length_are_cut_and_keep_their_original_length()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, snapLength: 20, leaveOpen: true))
            writer.Write(5, TestFrames.ArpRequest);
        using var reader = Reopen(stream);
        Assert.True(reader.Read(out var record));
        Assert.Equal(Hex.Of(TestFrames.ArpRequest.AsSpan(0, 20)), Hex.Of(record.Data.Span));
        Assert.Equal(42, record.OriginalLength);
    }

    [Fact]
    public void DateTimeOffset_timestamps_from_a_clock_are_kept_to_the_tick()
    {
        var clock = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567);
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
            writer.Write(clock, TestFrames.GratuitousArp);
        using var reader = Reopen(stream);
        Assert.True(reader.Read(out var record));
        Assert.Equal(clock, record.Timestamp);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(4_294_967_296_000_000_000L)] // 2^32 seconds: past 2106, beyond 32-bit seconds
    public void Timestamps_outside_the_32_bit_seconds_are_refused(long nanoseconds)
    {
        using var writer = new PcapWriter(new MemoryStream(), LinkType.Ethernet);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(nanoseconds, TestFrames.ArpRequest));
        Assert.Equal(0, writer.RecordsWritten);
    }

    [Fact]
    public void Writer_refuses_resolutions_classic_pcap_cannot_store()
    {
        Assert.Throws<ArgumentException>(() => new PcapWriter(new MemoryStream(), LinkType.Ethernet, TimestampResolution.PowerOfTen(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PcapWriter(new MemoryStream(), LinkType.Ethernet, snapLength: CaptureReader.MaxCapturedLength + 1));
    }

    [Fact]
    public void Dispose_flushes_and_closes_an_owned_stream_but_not_a_borrowed_one()
    {
        var owned = new MemoryStream();
        new PcapWriter(owned, LinkType.Ethernet).Dispose();
        Assert.False(owned.CanWrite);

        var borrowed = new MemoryStream();
        new PcapWriter(borrowed, LinkType.Ethernet, leaveOpen: true).Dispose();
        Assert.True(borrowed.CanWrite);
        Assert.Equal(24, borrowed.Length);
    }

    [Fact]
    public void Any_records_written_read_back_the_same()
    {
        var record = from seconds in Gen.Choose(0, int.MaxValue)
                     from nanos in Gen.Choose(0, 999_999_999)
                     from data in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())
                     from extra in Gen.Choose(0, 1000)
                     select (Nanoseconds: seconds * 1_000_000_000L + nanos, Data: data, Original: (long)data.Length + extra);
        Prop.ForAll(Gen.ArrayOf(record).ToArbitrary(), records =>
        {
            var stream = new MemoryStream();
            using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
                foreach (var r in records) writer.Write(r.Nanoseconds, r.Data, r.Original);
            using var reader = Reopen(stream);
            foreach (var r in records)
            {
                Assert.True(reader.Read(out var back));
                Assert.Equal(r.Nanoseconds, back.TimestampNanoseconds);
                Assert.Equal(r.Original, back.OriginalLength);
                Assert.Equal(r.Data, back.Data.ToArray());
            }
            Assert.False(reader.Read(out _));
        }).QuickCheckThrowOnFailure();
    }
}
