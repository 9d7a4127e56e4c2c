using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;

namespace NetMobility.Benchmarks;

/// <summary>
/// The page stream over loopback TCP against a plain loopback TCP copy of the same image, in the same run:
/// one round of every page, framed, checksummed, read and applied to a destination image, versus the
/// image's bytes written to a socket and read into the destination. Throughput in logical bytes is the
/// image size over the time. Goals: raw page stream at least 80 % of the plain copy; with compression,
/// more than 100 % of it in logical bytes on compressible memory. "Adaptive" is the engine's encoder told
/// the link's speed, as measured by a plain copy at setup (two channels, two cores): it detects zero pages,
/// and packs and compresses what the cores keep up with. "Lz4" compresses every compressible page.
/// </summary>
[MemoryDiagnoser]
public class PageStreamBenchmarks
{
    private const long MemoryBytes = 64L << 20;
    private MemoryImage _source = null!, _destination = null!;
    private long _loopbackBytesPerSecond;

    [Params("typical", "fresh-boot")]
    public string Content { get; set; } = "typical";

    [GlobalSetup]
    public void Setup()
    {
        _source = new MemoryImage(MemoryBytes);
        _destination = new MemoryImage(MemoryBytes);
        ContentProfile.TryFind(Content, out var profile);
        RealisticContent.Fill(_source, 1, profile!);
        // The link's speed for the adaptive encoder: the fastest of three plain copies.
        var fastest = TimeSpan.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            PlainTcpCopy().GetAwaiter().GetResult();
            if (started.Elapsed < fastest) fastest = started.Elapsed;
        }
        _loopbackBytesPerSecond = (long)(MemoryBytes / fastest.TotalSeconds);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _source.Dispose();
        _destination.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task PlainTcpCopy()
    {
        var (client, server) = await ConnectedPair();
        using (client)
        using (server)
        {
            var receiving = Task.Run(async () =>
            {
                var buffer = new byte[1 << 20];
                long received = 0;
                while (received < MemoryBytes)
                {
                    int n = await server.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0) throw new IOException("the copy ended early");
                    // Land the bytes in the destination image, as the page stream does.
                    for (int at = 0; at < n;)
                    {
                        long offset = received + at;
                        int page = (int)(offset / MemoryImage.PageSize), inPage = (int)(offset % MemoryImage.PageSize);
                        int chunk = Math.Min(n - at, MemoryImage.PageSize - inPage);
                        buffer.AsSpan(at, chunk).CopyTo(_destination.GetPage(page)[inPage..]);
                        at += chunk;
                    }
                    received += n;
                }
            });
            var chunk = new byte[1 << 20];
            for (long at = 0; at < MemoryBytes; at += chunk.Length)
            {
                for (int p = 0; p < chunk.Length / MemoryImage.PageSize; p++)
                    _source.GetPage((int)(at / MemoryImage.PageSize) + p).CopyTo(chunk.AsSpan(p * MemoryImage.PageSize));
                await client.SendAsync(chunk, SocketFlags.None);
            }
            await receiving;
        }
    }

    [Benchmark]
    public Task PageStreamRaw() => Stream(PageEncoderOptions.Uncompressed with { AllowedEncodings = [PageEncoding.Raw] }, channels: 1);

    [Benchmark]
    public Task PageStreamAdaptive() =>
        Stream(new PageEncoderOptions { LinkBytesPerSecond = _loopbackBytesPerSecond, EncoderCores = 1 }, channels: 2);

    [Benchmark]
    public Task PageStreamLz4() =>
        // Link speed unknown to the encoder: every compressible page is packed and compressed; two channels, two cores.
        Stream(new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Lz4], LinkBytesPerSecond = 0 }, channels: 2);

    private async Task Stream(PageEncoderOptions encoder, int channels)
    {
        var lanes = new Task[channels * 2];
        var sockets = new List<Socket>();
        for (int lane = 0; lane < channels; lane++)
        {
            var (client, server) = await ConnectedPair();
            sockets.Add(client);
            sockets.Add(server);
            int index = lane;
            lanes[2 * lane] = Task.Run(() => SendLane(client, encoder, index, channels));
            lanes[2 * lane + 1] = Task.Run(() => ReceiveLane(server));
        }
        await Task.WhenAll(lanes);
        foreach (var s in sockets) s.Dispose();
    }

    private static int Write(PageStreamWriter writer, PageBatchEncoder encoder, ulong sequence)
    {
        var batch = encoder.Finish();
        if (!batch.IsEmpty) writer.WriteBatch(1, sequence, batch);
        return batch.Count;
    }

    private async Task SendLane(Socket socket, PageEncoderOptions options, int lane, int stride)
    {
        await using var channel = new StreamChannel(new NetworkStream(socket, ownsSocket: false), "sender");
        var writer = new PageStreamWriter(channel.Output);
        using var encoder = new PageEncoder(options);
        using var batch = new PageBatchEncoder(encoder);
        writer.WriteHeader(new StreamHeader(MemoryBytes, (byte)lane, (byte)stride, Guid.Empty, Resume: false));
        ulong sequence = 1;
        uint pages = 0;
        bool open = false;
        for (int page = lane; page < _source.PageCount; page += stride)
        {
            if (!open) batch.Begin(batch.PacksBatches ? default : writer.BatchSpace(batch.EntriesBound));
            open = true;
            // A first round with nothing written meanwhile: as in the engine, no page goes into the delta cache.
            batch.Add(page, _source.GetPage(page), remember: false);
            if (batch.HasRoom) continue;
            pages += (uint)Write(writer, batch, sequence++);
            open = false;
            await writer.FlushAsync();
        }
        if (open) pages += (uint)Write(writer, batch, sequence);
        writer.WriteEndOfRound(new EndOfRound(1, pages));
        writer.WriteEndOfStream(new EndOfStream(1, default));
        await writer.FlushAsync();
    }

    private async Task ReceiveLane(Socket socket)
    {
        await using var channel = new StreamChannel(new NetworkStream(socket, ownsSocket: false), "receiver");
        using var reader = new RecordReader(channel.Input);
        var outcome = await reader.RunAsync(new ForwardStreamHandler(new ApplyingSink(_destination)));
        if (!outcome.Succeeded) throw new InvalidOperationException(outcome.ToString());
    }

    private static async Task<(Socket Client, Socket Server)> ConnectedPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accepting);
    }

    /// <summary>Decodes every page into the destination image; done at end of stream.</summary>
    private sealed class ApplyingSink(MemoryImage image) : IForwardSink
    {
        public bool Done { get; private set; }
        public PageStreamError OnHeader(in StreamHeader header, ForwardStreamHandler stream) => PageStreamError.None;
        public PageStreamError OnBatch(PageBatch batch)
        {
            foreach (var entry in batch)
                if (!PageDecoder.TryDecode(entry.Encoding, entry.Payload, image.GetPage(entry.PageNumber), out _)) return PageStreamError.BadEncoding;
            return PageStreamError.None;
        }
        public PageStreamError OnEndOfRound(in EndOfRound record) => PageStreamError.None;
        public PageStreamError OnDeviceState(DeviceStateChunk chunk) => PageStreamError.None;
        public PageStreamError OnEndOfStream(in EndOfStream record)
        {
            Done = true;
            return PageStreamError.None;
        }
        public PageStreamError OnCommit() => PageStreamError.None;
        public ValueTask AfterRecordsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
