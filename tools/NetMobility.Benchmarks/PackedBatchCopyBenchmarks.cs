using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NetMobility.Migration;
using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;

namespace NetMobility.Benchmarks;

/// <summary>
/// What gathering pages into a packed batch costs before any compressor runs, against a plain copy of the same
/// bytes, in one run. Every variant takes every page of a 16 MiB image (RealisticContent) once, 64 pages a batch,
/// as a first pre-copy round does (nothing into the delta cache):
/// "Memcpy": each page copied into a batch-sized buffer (the baseline, no decision at all);
/// "Raw_batch": the engine's batch encoder without packing (zero check, entry header, page copied into the batch);
/// "Packed_batch": the same with packing on, stopped before the block is compressed: zero check, page copied into
/// the packed area, compressibility sample, entry header (what LZ4, zstd and Deflate batches all share);
/// "Packing_copy_twice" and "Packing_copy_once": the packing encoder alone, each page's payload written as the batch
/// encoder once had it (into the packed area, then an incompressible page copied again into the plain entries) and as
/// it has it now (once, into the area its entry stays in);
/// "Sample" and "Sample_one_set": the compressibility sample alone, as the encoder takes it and as it was taken before;
/// "Packed_then_*": the whole packed batch with its compressor (LZ4, zstd level 1, Deflate level 6), for scale.
/// Times are per page; GB/s is page bytes per second.
/// Run: dotnet run -c Release --project tools/NetMobility.Benchmarks -- --filter '*PackedBatchCopy*' --job short
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[MedianColumn]
public class PackedBatchCopyBenchmarks
{
    private const int Pages = 4096;
    private const int PageSize = MemoryImage.PageSize;
    private const int BatchPages = BatchLimits.DefaultMaxPages;

    private MemoryImage _image = null!;
    private byte[] _buffer = null!, _plain = null!, _packed = null!;
    private PageEncoder _raw = null!, _packing = null!, _lz4 = null!, _zstd = null!, _deflate = null!;
    private PageBatchEncoder _rawBatch = null!, _packingBatch = null!, _lz4Batch = null!, _zstdBatch = null!, _deflateBatch = null!;

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PageCodecBenchmarks.GigabytesPerSecondColumn());
    }

    [Params("typical", "dense")]
    public string Content { get; set; } = "typical";

    [GlobalSetup]
    public void Setup()
    {
        _image = new MemoryImage((long)Pages * PageSize);
        ContentProfile.TryFind(Content, out var profile);
        RealisticContent.Fill(_image, 1, profile!);
        _buffer = new byte[BatchPages * PageSize];
        _plain = new byte[BatchPages * PageEncoder.MaxEncodedLength];
        _packed = new byte[BatchPages * PageEncoder.MaxEncodedLength];
        _raw = new PageEncoder(PageEncoderOptions.Uncompressed with { LinkBytesPerSecond = 0 });
        // Link speed unknown: every page the sample finds compressible is packed (the compressor does not matter
        // until the block is compressed).
        _packing = new PageEncoder(Packing(PageEncoding.Lz4));
        _lz4 = new PageEncoder(Packing(PageEncoding.Lz4));
        _zstd = new PageEncoder(Packing(PageEncoding.Zstd));
        _deflate = new PageEncoder(Packing(PageEncoding.Deflate));
        _rawBatch = new PageBatchEncoder(_raw);
        _packingBatch = new PageBatchEncoder(_packing);
        _lz4Batch = new PageBatchEncoder(_lz4);
        _zstdBatch = new PageBatchEncoder(_zstd);
        _deflateBatch = new PageBatchEncoder(_deflate);
    }

    private static PageEncoderOptions Packing(PageEncoding compressor) =>
        new() { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, compressor], LinkBytesPerSecond = 0 };

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in new[] { _rawBatch, _packingBatch, _lz4Batch, _zstdBatch, _deflateBatch }) b.Dispose();
        foreach (var e in new[] { _raw, _packing, _lz4, _zstd, _deflate }) e.Dispose();
        _image.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pages)]
    public int Memcpy()
    {
        int at = 0;
        for (int p = 0; p < Pages; p++)
        {
            _image.GetPage(p).CopyTo(_buffer.AsSpan(at, PageSize));
            at = at + PageSize == _buffer.Length ? 0 : at + PageSize;
        }
        return at;
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public long Raw_batch() => Gather(_rawBatch);

    [Benchmark(OperationsPerInvoke = Pages)]
    public long Packed_batch() => Gather(_packingBatch);

    /// <summary>Each payload written into the packed area, and copied again into the plain entries when the page is not packed (as before).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long Packing_copy_twice() => Pack(once: false);

    /// <summary>Each payload written once, into the area its entry stays in.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long Packing_copy_once() => Pack(once: true);

    private long Pack(bool once)
    {
        long bytes = 0;
        int plainAt = 0, packedAt = 0;
        for (int p = 0; p < Pages; p++)
        {
            if (p % BatchPages == 0) (plainAt, packedAt) = (0, 0);
            var plain = _plain.AsSpan(plainAt);
            var packed = _packed.AsSpan(packedAt);
            int written;
            bool packable;
            if (once) _packing.EncodeForBatch(p, _image.GetPage(p), plain, packed, out written, out packable, remember: false);
            else
            {
                _packing.EncodeForBatch(p, _image.GetPage(p), packed, packed, out written, out packable, remember: false);
                if (!packable) packed[..written].CopyTo(plain);
            }
            if (packable) packedAt += written;
            else plainAt += written;
            bytes += written;
        }
        return bytes;
    }

    /// <summary>The compressibility sample alone, as the packing encoder takes it on every non-zero page.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public int Sample()
    {
        int sum = 0;
        for (int p = 0; p < Pages; p++) sum += CompressibilitySample.DistinctSampledBytes(_image.GetPage(p));
        return sum;
    }

    /// <summary>The same sample with one set of seen bits, each OR waiting on the store before it (the loop it replaced).</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public int Sample_one_set()
    {
        int sum = 0;
        Span<ulong> seen = stackalloc ulong[4];
        for (int p = 0; p < Pages; p++)
        {
            var page = _image.GetPage(p);
            seen.Clear();
            for (int i = 0; i < page.Length; i += CompressibilitySample.Stride) seen[page[i] >> 6] |= 1UL << (page[i] & 63);
            sum += System.Numerics.BitOperations.PopCount(seen[0]) + System.Numerics.BitOperations.PopCount(seen[1])
                + System.Numerics.BitOperations.PopCount(seen[2]) + System.Numerics.BitOperations.PopCount(seen[3]);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public long Packed_then_Lz4() => Encode(_lz4Batch);

    [Benchmark(OperationsPerInvoke = Pages)]
    public long Packed_then_Zstd() => Encode(_zstdBatch);

    [Benchmark(OperationsPerInvoke = Pages)]
    public long Packed_then_Deflate() => Encode(_deflateBatch);

    /// <summary>Every page into batches, each batch dropped when full without being finished: the gathering alone.</summary>
    private long Gather(PageBatchEncoder builder)
    {
        long pages = 0;
        builder.Begin();
        for (int p = 0; p < Pages; p++)
        {
            builder.Add(p, _image.GetPage(p), remember: false);
            if (builder.HasRoom) continue;
            pages += builder.Count;
            builder.Begin();
        }
        return pages + builder.Count;
    }

    /// <summary>Every page into batches, each finished (its packed pages compressed as one block when that pays).</summary>
    private long Encode(PageBatchEncoder builder)
    {
        long bytes = 0;
        builder.Begin();
        for (int p = 0; p < Pages; p++)
        {
            builder.Add(p, _image.GetPage(p), remember: false);
            if (builder.HasRoom && p < Pages - 1) continue;
            bytes += builder.Finish().PayloadLength;
            builder.Begin();
        }
        return bytes;
    }
}
