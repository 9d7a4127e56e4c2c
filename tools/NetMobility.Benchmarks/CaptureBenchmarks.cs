using BenchmarkDotNet.Attributes;
using NetMobility.Capture;

namespace NetMobility.Benchmarks;

/// <summary>
/// Reading and writing captures held in memory, so that the codec and not the disk is measured.
/// One operation is one record (OperationsPerInvoke): a mix of 64- to 1514-byte Ethernet frames.
/// Goal: well under a microsecond per record either way, and 0 bytes allocated per record (the
/// bytes shown per operation are the reader or writer object itself, spread over the records).
/// </summary>
[MemoryDiagnoser]
public class CaptureBenchmarks
{
    private const int Records = 10_000;
    private static readonly int[] Sizes = [64, 98, 590, 1514];

    private byte[][] _frames = [];
    private byte[] _file = [];
    private MemoryStream _output = new();

    [Params(CaptureFormat.Pcap, CaptureFormat.Pcapng)]
    public CaptureFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frames = Sizes.Select(size => Enumerable.Range(0, size).Select(i => (byte)i).ToArray()).ToArray();
        _output = new MemoryStream(Records * 1600);
        WriteAll();
        _file = _output.ToArray();
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long Read()
    {
        using var reader = CaptureReader.Open(new MemoryStream(_file, writable: false), "bench");
        long bytes = 0;
        while (reader.TryRead(out var record) == CaptureReadResult.Record) bytes += record.Data.Length;
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long Write()
    {
        WriteAll();
        return _output.Length;
    }

    private void WriteAll()
    {
        _output.SetLength(0);
        if (Format == CaptureFormat.Pcap)
        {
            using var writer = new PcapWriter(_output, LinkType.Ethernet, leaveOpen: true);
            for (int i = 0; i < Records; i++) writer.Write(1_700_000_000_000_000_000L + i * 1_000L, _frames[i % _frames.Length]);
        }
        else
        {
            using var writer = new PcapngWriter(_output, leaveOpen: true);
            writer.AddInterface(LinkType.Ethernet);
            for (int i = 0; i < Records; i++) writer.Write(0, 1_700_000_000_000_000_000L + i * 1_000L, _frames[i % _frames.Length]);
        }
    }
}
