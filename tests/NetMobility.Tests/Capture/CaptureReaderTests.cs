using System.Runtime.InteropServices;
using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class CaptureReaderTests
{
    private static byte[] PcapngWithUnknownBlocks(bool bigEndian) => CaptureBytes.Concat(
        CaptureBytes.SectionHeader(bigEndian, CaptureBytes.Option(bigEndian, 4, "some tool"u8)),
        CaptureBytes.InterfaceDescription(bigEndian, 1, 0),
        CaptureBytes.Block(bigEndian, 0x8000_0001, new byte[9000]),
        CaptureBytes.EnhancedPacket(bigEndian, 0, 1, TestFrames.ArpRequest),
        CaptureBytes.Block(bigEndian, 5, new byte[24]),
        CaptureBytes.EnhancedPacket(bigEndian, 0, 2, TestFrames.ArpReply));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void Forward_only_streams_that_return_short_reads_give_the_same_records(int chunk)
    {
        var file = PcapngWithUnknownBlocks(true);
        using var reader = CaptureReader.Open(new TrickleStream(file, chunk), "pipe");
        Assert.True(reader.Read(out var first));
        Assert.Equal(Hex.Of(TestFrames.ArpRequest), Hex.Of(first.Data.Span));
        Assert.True(reader.Read(out var second));
        Assert.Equal(Hex.Of(TestFrames.ArpReply), Hex.Of(second.Data.Span));
        Assert.False(reader.Read(out _));
        Assert.Equal(file.Length, reader.Position);
    }

    [Fact]
    public void Truncation_in_a_skipped_block_of_a_forward_only_stream_is_reported()
    {
        var file = PcapngWithUnknownBlocks(false);
        using var reader = CaptureReader.Open(new TrickleStream(file.AsSpan(0, 64 + 5000).ToArray(), 7), "pipe");
        Assert.Equal(CaptureReadResult.Error, reader.TryRead(out _));
        Assert.Equal("pipe: block at offset 64: truncated: total length 9012, the file ends after 5000 bytes of the block", reader.Error!.Message);
    }

    [Fact]
    public void Foreach_walks_the_records_and_throws_at_the_fault_after_them()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
        {
            writer.Write(1, TestFrames.ArpRequest);
            writer.Write(2, TestFrames.ArpReply);
        }
        var file = stream.ToArray().AsSpan(0, (int)stream.Length - 1).ToArray();
        using var reader = CaptureReader.Open(new MemoryStream(file), "cut.pcap");
        var seen = new List<long>();
        var thrown = Assert.Throws<CaptureFormatException>(() =>
        {
            foreach (var record in reader) seen.Add(record.TimestampNanoseconds);
        });
        Assert.Equal([1L], seen);
        Assert.Equal(CaptureErrorKind.Truncated, thrown.Kind);
        Assert.Equal(82, thrown.Offset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Records_share_one_buffer_and_reading_allocates_nothing_per_record(bool pcapng)
    {
        var stream = new MemoryStream();
        if (pcapng)
        {
            using var writer = new PcapngWriter(stream, leaveOpen: true);
            writer.AddInterface(LinkType.Ethernet);
            for (int i = 0; i < 1000; i++) writer.Write(0, i, i % 2 == 0 ? TestFrames.ArpRequest : TestFrames.Ipv4Udp);
        }
        else
        {
            using var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true);
            for (int i = 0; i < 1000; i++) writer.Write(i, i % 2 == 0 ? TestFrames.ArpRequest : TestFrames.Ipv4Udp);
        }
        stream.Position = 0;
        using var reader = CaptureReader.Open(stream, "many");
        Assert.True(reader.Read(out var first));
        Assert.True(MemoryMarshal.TryGetArray(first.Data, out var firstArray));

        long before = GC.GetAllocatedBytesForCurrentThread();
        long count = 1;
        while (reader.TryRead(out var record) == CaptureReadResult.Record)
        {
            Assert.True(MemoryMarshal.TryGetArray(record.Data, out var array));
            Assert.Same(firstArray.Array, array.Array);
            count++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000, count);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Files_written_by_path_open_by_path_and_are_told_apart_by_magic()
    {
        var dir = Directory.CreateTempSubdirectory("netmob-capture-");
        try
        {
            var pcap = Path.Combine(dir.FullName, "a.cap");
            var pcapng = Path.Combine(dir.FullName, "b.cap");
            using (var writer = PcapWriter.Create(pcap, LinkType.RawIpv4)) writer.Write(7, TestFrames.Ipv4Udp);
            using (var writer = PcapngWriter.Create(pcapng, "netmob"))
            {
                writer.AddInterface(LinkType.Ethernet);
                writer.Write(0, 8, TestFrames.ArpRequest);
            }
            using (var reader = CaptureReader.Open(pcap))
            {
                Assert.Equal(CaptureFormat.Pcap, reader.Format);
                Assert.Equal(pcap, reader.Source);
                Assert.True(reader.Read(out var r));
                Assert.Equal((7L, LinkType.RawIpv4), (r.TimestampNanoseconds, r.LinkType));
            }
            Assert.True(CaptureReader.TryOpen(pcapng, out var ng, out _));
            using (ng)
            {
                Assert.Equal(CaptureFormat.Pcapng, ng.Format);
                Assert.True(ng.Read(out var r));
                Assert.Equal((8L, LinkType.Ethernet), (r.TimestampNanoseconds, r.LinkType));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_disposed_reader_refuses_to_read_and_closes_its_stream()
    {
        var stream = new MemoryStream(CaptureBytes.PcapHeader(false, false, 100, 1));
        var reader = CaptureReader.Open(stream, "x");
        reader.Dispose();
        Assert.False(stream.CanRead);
        Assert.Throws<ObjectDisposedException>(() => reader.TryRead(out _));

        var borrowed = new MemoryStream(CaptureBytes.PcapHeader(false, false, 100, 1));
        CaptureReader.Open(borrowed, "y", leaveOpen: true).Dispose();
        Assert.True(borrowed.CanRead);
    }

    [Fact]
    public void A_stream_that_fails_while_the_header_is_read_passes_its_exception_through_and_is_closed()
    {
        var stream = new FailingStream(CaptureBytes.SectionHeader(false).AsSpan(0, 10).ToArray());
        Assert.Throws<IOException>(() => CaptureReader.TryOpen(stream, "disk", out _, out _));
        Assert.True(stream.Disposed);
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.0000000+00:00")]
    [InlineData(199L, "1970-01-01T00:00:00.0000001+00:00")]
    [InlineData(-1L, "1969-12-31T23:59:59.9999999+00:00")]
    [InlineData(-100L, "1969-12-31T23:59:59.9999999+00:00")]
    [InlineData(-101L, "1969-12-31T23:59:59.9999998+00:00")]
    public void Nanoseconds_become_DateTimeOffset_rounded_down_to_the_tick(long nanoseconds, string expected) =>
        Assert.Equal(expected, CaptureTime.ToDateTimeOffset(nanoseconds).ToString("O"));

    [Fact]
    public void DateTimeOffset_outside_the_nanosecond_range_is_refused()
    {
        Assert.Equal(-100L, CaptureTime.ToUnixNanoseconds(DateTimeOffset.UnixEpoch.AddTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptureTime.ToUnixNanoseconds(new DateTimeOffset(2300, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptureTime.ToUnixNanoseconds(DateTimeOffset.MinValue));
    }

    /// <summary>Hands out its bytes, then fails as a broken disk would.</summary>
    private sealed class FailingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public bool Disposed { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            int n = base.Read(buffer);
            return n > 0 ? n : throw new IOException("read error");
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
