using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;

namespace NetMobility.Benchmarks;

/// <summary>
/// Page codecs side by side, every time per page (4096 bytes), so the GB/s column reads directly.
/// "scan": zero-page detection over zero pages, the project's vector loop against IndexOfAnyExcept.
/// "codec": one pass over a 16 MiB image seeded by RealisticContent (typical profile), each page encoded
/// and decoded; plain Deflate on every page (DeflateStream at zlib level 6, its default "Optimal", and at
/// level 1, "Fastest") against the adaptive encoder at link speeds of 1 Gbit/s and 100 Mbit/s, as the engine
/// runs it (batches of 256 pages, compressible pages packed into one block per batch, record built, block
/// inflated and every page decoded) and page by page; and the packed encoder held to one compressor (zstd
/// at level 1, zstd at level -1, LZ4) with zero pages and deltas, and Deflate on packed batches, for comparison.
/// "Out/in" is payload bytes over page bytes for that pass.
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
    private PageEncoder _gigabit = null!, _megabit = null!, _deflate = null!, _deflateFastest = null!, _deflatePacked = null!;
    private PageEncoder _zstdPacked = null!, _zstdFastPacked = null!, _lz4Packed = null!;
    private byte[] _record = null!;
    private byte[] _unpacked = null!;

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
        _deflate = new PageEncoder(PlainDeflate);
        _deflateFastest = new PageEncoder(PlainDeflateFastest);
        _deflatePacked = new PageEncoder(PlainDeflate);
        _zstdPacked = new PageEncoder(ZstdOnly);
        _zstdFastPacked = new PageEncoder(ZstdFastOnly);
        _lz4Packed = new PageEncoder(Lz4Only);
        _record = new byte[RecordFrame.HeaderLength + RecordFrame.MaxPayloadLength];
        _unpacked = new byte[RecordFrame.MaxPayloadLength];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gigabit.Dispose();
        _megabit.Dispose();
        _deflate.Dispose();
        _deflateFastest.Dispose();
        _deflatePacked.Dispose();
        _zstdPacked.Dispose();
        _zstdFastPacked.Dispose();
        _lz4Packed.Dispose();
        _image.Dispose();
    }

    internal static readonly PageEncoderOptions Gigabit = new() { LinkBytesPerSecond = 125_000_000 };
    internal static readonly PageEncoderOptions Megabit = new() { LinkBytesPerSecond = 12_500_000 };
    internal static readonly PageEncoderOptions PlainDeflate = new() { AllowedEncodings = [PageEncoding.Deflate], LinkBytesPerSecond = 0 };
    internal static readonly PageEncoderOptions PlainDeflateFastest = PlainDeflate with { DeflateLevel = 1 };
    internal static readonly PageEncoderOptions ZstdOnly = new() { AllowedEncodings = [PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta, PageEncoding.Zstd], LinkBytesPerSecond = 0 };
    internal static readonly PageEncoderOptions ZstdFastOnly = ZstdOnly with { ZstdLevel = -1 };
    internal static readonly PageEncoderOptions Lz4Only = ZstdOnly with { AllowedEncodings = [PageEncoding.Zero, PageEncoding.Unchanged, PageEncoding.Delta, PageEncoding.Lz4] };

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
    public long Deflate_packed_batches() => BatchPass(_deflatePacked, _image, _record, _unpacked, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Adaptive_1Gbit() => BatchPass(_gigabit, _image, _record, _unpacked, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Adaptive_100Mbit() => BatchPass(_megabit, _image, _record, _unpacked, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Adaptive_1Gbit_per_page() => Pass(_gigabit, _image, _wire, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Zstd_packed() => BatchPass(_zstdPacked, _image, _record, _unpacked, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Zstd_fast_packed() => BatchPass(_zstdFastPacked, _image, _record, _unpacked, _receiver);

    [Benchmark(OperationsPerInvoke = ImagePages), BenchmarkCategory("codec")]
    public long Lz4_packed() => BatchPass(_lz4Packed, _image, _record, _unpacked, _receiver);

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

    /// <summary>
    /// Encodes every page once into batches as the engine does (fresh encoder state: a first pre-copy round),
    /// builds each record, inflates a packed one and decodes every page; returns payload bytes.
    /// </summary>
    internal static long BatchPass(PageEncoder encoder, MemoryImage image, byte[] record, byte[] unpacked, byte[] receiver)
    {
        encoder.Reset();
        using var builder = new PageBatchEncoder(encoder);
        builder.Begin();
        for (int p = 0; p < image.PageCount; p++)
        {
            // A first round with nothing written meanwhile: as in the engine, no page goes into the delta cache.
            builder.Add(p, image.GetPage(p), remember: false);
            if (builder.HasRoom && p < image.PageCount - 1) continue;
            var batch = builder.Finish();
            if (!batch.IsEmpty) Receive(record.AsSpan(0, PageStreamWriter.FormatBatch(record, 1, 1, batch)), image.PageCount, unpacked, receiver);
            builder.Begin();
        }
        return encoder.Stats.TotalBytes;
    }

    private static void Receive(ReadOnlySpan<byte> record, int pageCount, byte[] unpacked, byte[] receiver)
    {
        var payload = record[RecordFrame.HeaderLength..];
        PageBatch batch;
        PageStreamError error;
        string? reason = null;
        if ((RecordType)record[0] == RecordType.PackedBatch)
        {
            if (!PackedBatch.TryCreate(payload, unpacked.Length, out var packed, out error) || !packed.TryUnpack(unpacked, pageCount, out batch, out error, out reason))
                throw new InvalidOperationException($"{error.Describe()} {reason}");
        }
        else if (!PageBatch.TryCreate(payload, pageCount, out batch, out error)) throw new InvalidOperationException(error.Describe());
        foreach (var entry in batch)
            if (!PageDecoder.TryDecode(entry.Encoding, entry.Payload, receiver, out reason)) throw new InvalidOperationException(reason);
    }

    /// <summary>Bytes per operation: every benchmark here handles one page per operation.</summary>
    internal sealed class GigabytesPerSecondColumn : IColumn
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
                var (options, batches) = name switch
                {
                    nameof(Deflate_every_page) => (PlainDeflate, false),
                    nameof(Deflate_fastest_every_page) => (PlainDeflateFastest, false),
                    nameof(Deflate_packed_batches) => (PlainDeflate, true),
                    nameof(Adaptive_1Gbit) => (Gigabit, true),
                    nameof(Adaptive_100Mbit) => (Megabit, true),
                    nameof(Adaptive_1Gbit_per_page) => (Gigabit, false),
                    nameof(Zstd_packed) => (ZstdOnly, true),
                    nameof(Zstd_fast_packed) => (ZstdFastOnly, true),
                    nameof(Lz4_packed) => (Lz4Only, true),
                    _ => (null, false),
                };
                if (options is null) return "-";
                using var image = CreateImage();
                using var encoder = new PageEncoder(options);
                var record = new byte[RecordFrame.HeaderLength + RecordFrame.MaxPayloadLength];
                var wire = new byte[PageEncoder.MaxEncodedLength];
                var unpacked = new byte[RecordFrame.MaxPayloadLength];
                var receiver = new byte[PageSize];
                long Once() => batches ? BatchPass(encoder, image, record, unpacked, receiver) : Pass(encoder, image, wire, receiver);
                Once();
                long bytes = Once();
                return (bytes / (double)image.MemoryBytes).ToString("F3");
            });
    }
}
