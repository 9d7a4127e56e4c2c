using NetMobility.Capture;
using NetMobility.Links;
using NetMobility.Runtime;
using static NetMobility.Tests.Links.TestFrames;

namespace NetMobility.Tests.Links;

public class CaptureLinkTests
{
    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.Pcapng)]
    public void Writes_both_directions_with_the_clock_s_timestamps(CaptureFormat format)
    {
        var sim = new Simulation();
        var wire = new PointToPointWire(sim.Loop, "wire", MacA, MacB);
        var stream = new MemoryStream();
        using (var sink = CaptureSink.Create(stream, format, leaveOpen: true))
        {
            var link = new CaptureLink(sim.Clock, wire.A, sink);
            var received = new Recorder(link);
            sim.RunFor(TimeSpan.FromMilliseconds(1.5));
            Assert.True(link.Send(Make(MacB, MacA, 1)));
            sim.RunFor(TimeSpan.FromMilliseconds(1));
            Assert.True(wire.B.Send(Make(MacA, MacB, 2, payloadLength: 100)));
            sim.RunUntilIdle();
            link.IsUp = false;
            Assert.False(link.Send(Make(MacB, MacA, 3))); // refused: never on the wire, not written
            Assert.Equal([2], received.Numbers);
            Assert.Equal(2, sink.FramesWritten);
        }

        stream.Position = 0;
        using var reader = CaptureReader.Open(stream, "mem");
        var records = new List<(long Ns, int Number, int Length)>();
        foreach (var record in reader) records.Add((record.TimestampNanoseconds, NumberOf(record.Data.Span), record.Data.Length));
        Assert.Null(reader.Error);
        long t0 = CaptureTime.ToUnixNanoseconds(new NetMobility.Runtime.ManualTimeProvider().GetUtcNow());
        Assert.Equal([(t0 + 1_500_000, 1, 60), (t0 + 2_500_000, 2, 114)], records);
        Assert.All(reader.Interfaces, i => Assert.Equal(LinkType.Ethernet, i.LinkType));
        if (format == CaptureFormat.Pcapng) Assert.Equal("wire.a", Assert.Single(reader.Interfaces).Name);
    }

    [Fact]
    public void Links_sharing_a_pcapng_file_get_an_interface_each()
    {
        var sim = new Simulation();
        var wire = new PointToPointWire(sim.Loop, "wire", MacA, MacB);
        var stream = new MemoryStream();
        using (var sink = CaptureSink.Create(stream, CaptureFormat.Pcapng, leaveOpen: true))
        {
            var a = new CaptureLink(sim.Clock, wire.A, sink);
            _ = new CaptureLink(sim.Clock, wire.B, sink);
            a.Send(Make(MacB, MacA, 7));
            sim.RunUntilIdle();
        }
        stream.Position = 0;
        using var reader = CaptureReader.Open(stream, "mem");
        var seen = new List<(int Interface, int Number)>();
        foreach (var record in reader) seen.Add((record.InterfaceIndex, NumberOf(record.Data.Span)));
        Assert.Equal(["wire.a", "wire.b"], reader.Interfaces.Select(i => i.Name));
        Assert.Equal([(0, 7), (1, 7)], seen); // sent on a, received on b
    }
}
