using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

public class PcapRoundTripTests
{
    private static readonly byte[] ArpRequest = Hex.Bytes(
        "ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002");

    [Fact]
    public void Nanosecond_file_keeps_every_nanosecond()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
        {
            writer.Write(1_700_000_000_123_456_789L, ArpRequest);
            writer.Write(1_700_000_001_000_000_001L, ArpRequest.AsSpan(0, 14), 42);
        }
        stream.Position = 0;
        using var reader = CaptureReader.Open(stream, "mem.pcap");
        var pcap = Assert.IsType<PcapReader>(reader);
        Assert.Equal(TimestampResolution.Nanoseconds, pcap.Resolution);
        Assert.False(pcap.IsBigEndian);
        Assert.Equal(LinkType.Ethernet, pcap.LinkType);

        Assert.True(reader.Read(out var first));
        Assert.Equal(1_700_000_000_123_456_789L, first.TimestampNanoseconds);
        Assert.Equal(42, first.OriginalLength);
        Assert.Equal(Hex.Of(ArpRequest), Hex.Of(first.Data.Span));
        Assert.Equal(0, first.InterfaceIndex);
        Assert.Equal(LinkType.Ethernet, first.LinkType);

        Assert.True(reader.Read(out var second));
        Assert.Equal(1_700_000_001_000_000_001L, second.TimestampNanoseconds);
        Assert.Equal(42, second.OriginalLength);
        Assert.Equal(14, second.Data.Length);

        Assert.False(reader.Read(out _));
        Assert.Null(reader.Error);
        Assert.Equal(2, reader.RecordsRead);
    }
}
