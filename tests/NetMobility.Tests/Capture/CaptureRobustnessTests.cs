using FsCheck;
using FsCheck.Fluent;
using NetMobility.Capture;

namespace NetMobility.Tests.Capture;

/// <summary>Files cut at every byte, and files with bytes overwritten at random.</summary>
public class CaptureRobustnessTests
{
    private static readonly byte[][] Packets = [TestFrames.ArpRequest, TestFrames.Ipv4Udp, [], TestFrames.Ipv4EchoReply.AsSpan(0, 3).ToArray()];

    private static byte[] PcapFile()
    {
        var stream = new MemoryStream();
        using var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true);
        for (int i = 0; i < Packets.Length; i++) writer.Write(i, Packets[i]);
        return stream.ToArray();
    }

    private static byte[] PcapngFile()
    {
        var stream = new MemoryStream();
        using var writer = new PcapngWriter(stream, "cut test", leaveOpen: true);
        writer.AddInterface(LinkType.Ethernet, name: "eth0");
        for (int i = 0; i < Packets.Length; i++) writer.Write(0, i, Packets[i]);
        return stream.ToArray();
    }

    /// <summary>Where each header, interface and record of an intact file ends, read back from the reader itself.</summary>
    private static (long HeaderEnd, List<long> Boundaries, List<long> RecordEnds) Layout(byte[] file)
    {
        using var reader = CaptureReader.Open(new MemoryStream(file), "intact");
        long headerEnd = reader.Position;
        var boundaries = new List<long> { headerEnd };
        var recordEnds = new List<long>();
        while (reader.Read(out _))
        {
            recordEnds.Add(reader.Position);
            boundaries.Add(reader.Position);
        }
        Assert.Equal(file.Length, reader.Position);
        return (headerEnd, boundaries, recordEnds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_cut_at_any_byte_delivers_every_whole_record_then_names_the_cut_element(bool pcapng)
    {
        var file = pcapng ? PcapngFile() : PcapFile();
        var (headerEnd, boundaries, recordEnds) = Layout(file);
        if (pcapng) boundaries.Insert(1, headerEnd + 40); // the interface block: 20 bytes, if_name and if_tsresol options, end of options
        Assert.Equal(Packets.Length, recordEnds.Count);

        for (int cut = 0; cut < file.Length; cut++)
        {
            var stream = new MemoryStream(file, 0, cut);
            if (cut < headerEnd)
            {
                Assert.False(CaptureReader.TryOpen(stream, "cut", out _, out var openError));
                Assert.Equal((CaptureErrorKind.Truncated, 0L), (openError.Kind, openError.Offset));
                continue;
            }
            using var reader = CaptureReader.Open(stream, "cut");
            int delivered = 0;
            CaptureReadResult result;
            while ((result = reader.TryRead(out var record)) == CaptureReadResult.Record)
            {
                Assert.Equal(Hex.Of(Packets[delivered]), Hex.Of(record.Data.Span));
                delivered++;
            }
            Assert.Equal(recordEnds.Count(end => end <= cut), delivered);
            long lastWhole = boundaries.Last(b => b <= cut);
            if (lastWhole == cut)
            {
                Assert.Equal(CaptureReadResult.End, result);
            }
            else
            {
                Assert.Equal(CaptureReadResult.Error, result);
                Assert.Equal((CaptureErrorKind.Truncated, lastWhole), (reader.Error!.Kind, reader.Error.Offset));
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Overwritten_bytes_give_records_then_an_end_or_an_error_and_never_an_exception(bool pcapng)
    {
        var intact = pcapng ? PcapngFile() : PcapFile();
        var damage = Gen.ArrayOf(Gen.Zip(Gen.Choose(0, intact.Length - 1), ArbMap.Default.GeneratorFor<byte>()));
        Prop.ForAll(damage.ToArbitrary(), writes =>
        {
            var file = intact.ToArray();
            foreach (var (at, value) in writes) file[at] = value;
            if (!CaptureReader.TryOpen(new MemoryStream(file), "fuzz", out var reader, out var openError))
            {
                Assert.Equal(0, openError.Offset);
                return;
            }
            using (reader)
            {
                CaptureReadResult result;
                int records = 0;
                while ((result = reader.TryRead(out var record)) == CaptureReadResult.Record)
                {
                    Assert.True(record.Data.Length <= CaptureReader.MaxCapturedLength);
                    records++;
                }
                Assert.True(records <= Packets.Length + 1);
                if (result == CaptureReadResult.Error)
                    Assert.InRange(reader.Error!.Offset, 0, file.Length - 1);
                else
                    Assert.Equal(file.Length, reader.Position);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_bytes_after_a_valid_header_never_escape_as_exceptions()
    {
        var headers = new[] { CaptureBytes.PcapHeader(false, true, 0, 1), CaptureBytes.SectionHeader(true) };
        Prop.ForAll(Gen.Zip(Gen.Elements(headers), Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())).ToArbitrary(), input =>
        {
            var file = CaptureBytes.Concat(input.Item1, input.Item2);
            using var reader = CaptureReader.Open(new MemoryStream(file), "noise");
            while (reader.TryRead(out _) == CaptureReadResult.Record) { }
            Assert.True(reader.Error is not null || reader.Position == file.Length);
        }).QuickCheckThrowOnFailure();
    }
}
