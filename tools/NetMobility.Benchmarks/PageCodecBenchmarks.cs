using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using NetMobility.Migration;

namespace NetMobility.Benchmarks;

/// <summary>
/// Page codecs side by side, every time per page (4096 bytes), so the GB/s column reads directly.
/// "scan": zero-page detection over zero pages, the project's vector loop against IndexOfAnyExcept.
/// "codec": one pass over a 16 MiB image seeded by RealisticContent (typical profile), each page encoded
/// and decoded; the adaptive encoder (link speed 1 Gbit/s and 100 Mbit/s; zstd level 1, and 5 for a ratio
/// closer to Deflate's) against plain Deflate on every page (DeflateStream at zlib level 6, its default
/// "Optimal", and at level 1, "Fastest"). "Out/in" is payload bytes over page bytes for that pass.
/// Run: dotnet run -c Release --project tools/NetMobility.Benchmarks -- --filter '*PageCodec*' --job short
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PageCodecBenchmarks
{
    public const int ImagePages = 4096;
    public const int ScanPages = 256;
    private const int PageSize = MemoryImage.PageSize;

    private MemoryImage _image = null!;
    private byte[] _zeros = null!;
    private byte[] _wire = null!;
    private byte[] _receiver = null!;
    private PageEncoder _gigabit = null!, _megabit = null!, _megabitZstd5 = null!, _deflate = null!, _deflateFastest = null!;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GigabytesPerSecondColumn());
            AddColumn(new OutputShareColumn());
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _image = CreateImage();
        _zeros = new byte[ScanPages * PageSize];
        _wire = new byte[PageEncoder.MaxEncodedLength];
        _receiver = new byte[PageSize];
        _gigabit = new PageEncoder(Gigabit);
        _megabit = new PageEncoder(Megabit);
        _megabitZstd5 = new PageEncoder(MegabitZstd5);
        _deflate = new PageEncoder(PlainDeflate);
        _deflateFastest = new PageEncoder(PlainDeflateFastest);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gigabit.Dispose();
        _megabit.Dispose();
        _megabitZstd5.Dispose();
        _deflate.Dispose();
        _deflateFastest.Dispose();
        _image.Dispose();
    }

    internal static readonly PageEncoderOptions Gigabit = new() { LinkBytesPerSecond = 125_000_000 };
    internal static readonly PageEncoderOptions Megabit = new() { LinkBytesPerSecond = 12_500_000 };
    internal static readonly PageEncoderOptions MegabitZstd5 = Megabit with { ZstdLevel = 5 };
    internal static readonly PageEncoderOptions PlainDeflate = new() { AllowedEncodings = [PageEncoding.Deflate], LinkBytesPerSecond = 0 };
    internal static readonly PageEncoderOptions PlainDeflateFastest = PlainDeflate with { DeflateLevel = 1 };

    internal static MemoryImage CreateImage()
    {
        var image = new MemoryImage((long)ImagePages * PageSize);
        RealisticContent.Fill(image, 1, ContentProfile.Typical);
        return image;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ScanPages), BenchmarkCategory("scan")]
    public int ZeroScan_IndexOfAnyExcept()
    {
        int zero = 0;
        for (int p = 0; p < ScanPages; p++)
            if (_zeros.AsSpan(p * PageSize, PageSize).IndexOfAnyExcept((byte)0) < 0) zero++;
        return zero;
    }

    [Benchmark(OperationsPerInvoke = ScanPages), BenchmarkCategory("scan")]
    public int ZeroScan_Vector256()
    {
        int zero = 0;
        for (int p = 0; p < ScanPages; p++)
            if (ZeroPage.IsZero(_zeros.AsSpan(p * PageSize, PageSize))) zero++;
        return zero;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Deflate_every_page() => Pass(_deflate, _image, _wire, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Deflate_fastest_every_page() => Pass(_deflateFastest, _image, _wire, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Adaptive_1Gbit() => Pass(_gigabit, _image, _wire, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Adaptive_100Mbit() => Pass(_megabit, _image, _wire, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Adaptive_100Mbit_zstd5() => Pass(_megabitZstd5, _image, _wire, _receiver);

    /// <summary>Encodes and decodes every page once, from a fresh encoder state (a first pre-copy round); returns payload bytes.</summary>
    internal static long Pass(PageEncoder encoder, MemoryImage image, byte[] wire, byte[] receiver)
    {
        encoder.Reset();
        for (int p = 0; p < image.PageCount; p++)
        {
            var encoding = encoder.Encode(p, image.GetPage(p), wire, out int n);
            if (!PageDecoder.TryDecode(encoding, wire.AsSpan(0, n), receiver, out var error)) throw new InvalidOperationException(error);
        }
        return encoder.Stats.TotalBytes;
    }

    /// <summary>Bytes per operation: every benchmark here handles one page per operation.</summary>
    private sealed class GigabytesPerSecondColumn : IColumn
    {
        public string Id => "GBps";
        public string ColumnName => "GB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Page bytes handled per second (1 GB = 1e9 bytes)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return stats is null ? "-" : (PageSize / stats.Mean).ToString("F2");
        }
    }

    /// <summary>Payload over input for the codec benchmarks, computed in the host process with the same pass (the second, warm one).</summary>
    private sealed class OutputShareColumn : IColumn
    {
        private static readonly ConcurrentDictionary<string, string> Cache = new();

        public string Id => "OutIn";
        public string ColumnName => "Out/in";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Payload bytes over page bytes for one pass over the image";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            Cache.GetOrAdd(benchmarkCase.Descriptor.WorkloadMethod.Name, static name =>
            {
                var options = name switch
                {
                    nameof(Deflate_every_page) => PlainDeflate,
                    nameof(Deflate_fastest_every_page) => PlainDeflateFastest,
                    nameof(Adaptive_1Gbit) => Gigabit,
                    nameof(Adaptive_100Mbit) => Megabit,
                    nameof(Adaptive_100Mbit_zstd5) => MegabitZstd5,
                    _ => null,
                };
                if (options is null) return "-";
                using var image = CreateImage();
                using var encoder = new PageEncoder(options);
                var wire = new byte[PageEncoder.MaxEncodedLength];
                var receiver = new byte[PageSize];
                Pass(encoder, image, wire, receiver);
                long bytes = Pass(encoder, image, wire, receiver);
                return (bytes / (double)image.MemoryBytes).ToString("F3");
            });
    }
}
