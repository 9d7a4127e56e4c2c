using BenchmarkDotNet.Attributes;
using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Workloads;
using NetMobility.Runtime;

namespace NetMobility.Benchmarks;

/// <summary>
/// One migration of a 16 MiB web-server guest in virtual time over links from 100 Mbit/s down to 100 kbit/s, side by
/// side: the simulated time grows a thousandfold (0.5 s to over 20 min), and the wall time should follow the work
/// (pages encoded and sent, a bounded share of guest writes per batch), not the simulated time. Slower links send
/// more pages (more rounds) and, with the adaptive encoder, compress harder per page; with compression off the
/// cost per page is the same at every speed.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class VirtualTimeBenchmarks
{
    [Params(100e6, 1e6, 100e3)]
    public double BitsPerSecond { get; set; }

    [Params(true, false)]
    public bool Compress { get; set; }

    [Benchmark]
    public async Task<double> MigrateInVirtualTime()
    {
        var clock = new ManualTimeProvider();
        using var image = new MemoryImage(16L << 20);
        RealisticContent.Fill(image, 1, ContentProfile.Typical);
        await using var link = new InMemoryPath(new PathModel { BitsPerSecond = BitsPerSecond, Latency = TimeSpan.FromMilliseconds(1) }, clock);
        var workload = new VirtualWorkloadControl(new WebServerWorkload(7), image, clock);
        var source = new PreCopySource(image, new AdaptivePolicy(), workload, clock, new SourceOptions
        {
            Encoder = Compress ? new() { LinkBytesPerSecond = (long)(BitsPerSecond / 8) } : Migration.Encoding.PageEncoderOptions.Uncompressed,
        });
        var destination = new MigrationDestination(new DestinationOptions { Clock = clock });
        var receiving = destination.ReceiveAsync(link, CancellationToken.None);
        var report = await source.MigrateAsync(link);
        (await receiving).Image?.Dispose();
        return report.TotalTimeMs;
    }
}
