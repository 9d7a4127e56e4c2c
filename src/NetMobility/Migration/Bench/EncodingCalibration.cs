using NetMobility.Migration.Content;
using NetMobility.Migration.Encoding;
using NetMobility.Migration.Workloads;

namespace NetMobility.Migration.Bench;

/// <summary>
/// The real encoders' results on real content, measured once so that many simulated migrations can reuse
/// them: for every page of a seed image, whether it is zero and its share of a packed batch's block under
/// LZ4, zstd and Deflate (the image goes through the engine's own batch encoder, 64 pages a
/// batch, and each packed page is charged its batch's block over the pages in it); for each kind of page a
/// workload writes (heap, text, random), the same over a batch of sample pages built by the workloads' own
/// content generators; XBZRLE delta sizes after 1 to 16 small in-place updates; and the CPU time per page
/// of each encoding on this machine (the compressors' from the process's CPU time over a pass on all cores,
/// the delta's and the zero check's from the measuring thread's own CPU time), never wall-clock time, so a
/// loaded machine does not inflate them. What the encoder finds incompressible counts as a whole page.
/// </summary>
public sealed class EncodingCalibration
{
    public const int Samples = 256;
    private const int PageSize = MemoryImage.PageSize;

    private readonly bool[] _zero;
    private readonly ushort[] _lz4, _zstd, _deflate, _zlib;

    private EncodingCalibration(int pages)
    {
        _zero = new bool[pages];
        _lz4 = new ushort[pages];
        _zstd = new ushort[pages];
        _deflate = new ushort[pages];
        _zlib = new ushort[pages];
    }

    /// <summary>Pages of the seed image measured; a smaller simulated memory uses the first pages.</summary>
    public int PageCount => _zero.Length;

    /// <summary>Mean packed LZ4, zstd and Deflate sizes of freshly written heap, text and random pages (index: <see cref="WriteKind"/>).</summary>
    internal double[] WrittenLz4 { get; } = new double[5];
    internal double[] WrittenZstd { get; } = new double[5];
    internal double[] WrittenDeflate { get; } = new double[5];
    /// <summary>The same for zlib at level 1 (QEMU multifd's zlib compression at its default level).</summary>
    internal double[] WrittenZlib { get; } = new double[5];

    /// <summary>Mean delta size after n small updates, n = 1..16 (index n).</summary>
    internal double[] DeltaBytes { get; } = new double[17];

    // Costs are CPU seconds per page as doubles: a zero check takes a fraction of TimeSpan's 100 ns tick.

    /// <summary>CPU seconds per non-zero page packed with LZ4 (the block's time over its pages).</summary>
    public double Lz4Cost { get; private set; }
    /// <summary>CPU seconds per non-zero page packed with zstd at level 1.</summary>
    public double ZstdCost { get; private set; }
    /// <summary>CPU seconds per non-zero page packed with Deflate at level 6.</summary>
    public double DeflateCost { get; private set; }
    /// <summary>CPU seconds per non-zero page packed with zlib at level 1.</summary>
    public double ZlibCost { get; private set; }
    /// <summary>CPU seconds per page of the encoder's XBZRLE delta path (cache lookup, comparison, delta, cache update).</summary>
    public double DeltaCost { get; private set; }
    /// <summary>How many delta encodes <see cref="DeltaCost"/> was measured over.</summary>
    public long DeltaPagesTimed { get; private set; }
    /// <summary>CPU seconds per page of the zero-page check, over the seed image's pages.</summary>
    public double ZeroScanCost { get; private set; }

    internal bool IsZero(int page) => _zero[page];
    internal int Lz4Size(int page) => _lz4[page];
    internal int ZstdSize(int page) => _zstd[page];
    internal int DeflateSize(int page) => _deflate[page];
    internal int ZlibSize(int page) => _zlib[page];

    /// <summary>
    /// Measures every page of <paramref name="image"/> (on all cores) and the written-page samples. CPU cost
    /// is the process's CPU time per page over a whole pass, so other processes on a loaded machine do not
    /// inflate it.
    /// </summary>
    public static EncodingCalibration Measure(MemoryImage image, int seed = 1)
    {
        var c = new EncodingCalibration(image.PageCount);
        for (int p = 0; p < image.PageCount; p++) c._zero[p] = ZeroPage.IsZero(image.GetPage(p));
        long compressible = Math.Max(1, c._zero.LongLength - c._zero.Count(z => z));
        c.Lz4Cost = c.Pass(image, PageEncoding.Lz4, c._lz4).TotalSeconds / compressible;
        c.ZstdCost = c.Pass(image, PageEncoding.Zstd, c._zstd).TotalSeconds / compressible;
        c.DeflateCost = c.Pass(image, PageEncoding.Deflate, c._deflate).TotalSeconds / compressible;
        c.ZlibCost = c.Pass(image, PageEncoding.Deflate, c._zlib, ZlibLevel).TotalSeconds / compressible;
        c.MeasureWrittenPages(seed);
        c.MeasureDeltas(image, seed);
        c.MeasureZeroScan(image);
        return c;
    }

    /// <summary>Sends every page through batches packed with one compressor, on all cores; returns the CPU time it took.</summary>
    private TimeSpan Pass(MemoryImage image, PageEncoding compressor, ushort[] sizes, int deflateLevel = DeflateLevel)
    {
        int workers = Math.Max(1, Environment.ProcessorCount);
        int batches = (image.PageCount + BatchLimits.DefaultMaxPages - 1) / BatchLimits.DefaultMaxPages;
        var cpu = CpuClock.Process();
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            using var encoder = Encoder(compressor, deflateLevel);
            using var builder = new PageBatchEncoder(encoder);
            for (int b = batches * w / workers; b < batches * (w + 1) / workers; b++)
            {
                int from = b * BatchLimits.DefaultMaxPages, to = Math.Min(image.PageCount, from + BatchLimits.DefaultMaxPages);
                builder.Begin();
                for (int p = from; p < to; p++)
                {
                    builder.Add(p, image.GetPage(p));
                    // A batch of incompressible pages reaches the frame limit one page early.
                    if (!builder.HasRoom && p + 1 < to) Charge(builder, sizes);
                }
                Charge(builder, sizes);
            }
        });
        return CpuClock.Process() - cpu;
    }

    /// <summary>
    /// Finishes the batch, charges its pages (packed ones their share of the block, the others a whole page;
    /// zero pages are told apart elsewhere) and starts the next one.
    /// </summary>
    private static void Charge(PageBatchEncoder builder, Span<ushort> sizes)
    {
        var batch = builder.Finish();
        foreach (int p in batch.Pages) sizes[p] = PageSize;
        int packed = batch.PackedPages.Length;
        if (packed > 0)
        {
            var share = (ushort)Math.Min(PageSize, (batch.BlockLength + packed - 1) / packed);
            foreach (int p in batch.PackedPages) sizes[p] = share;
        }
        builder.Begin();
    }

    /// <summary>zlib's level in QEMU multifd's default (multifd-zlib-level 1); the adaptive encoder's Deflate uses its own default.</summary>
    public const int ZlibLevel = 1;
    private const int DeflateLevel = 6;

    private static PageEncoder Encoder(PageEncoding compressor, int deflateLevel) =>
        // Link speed unknown: the encoder compresses every batch with compressible pages, so the size is the compressor's.
        new(new PageEncoderOptions
        {
            AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, compressor], LinkBytesPerSecond = 0, DeltaCachePages = 1024, DeflateLevel = deflateLevel,
        });

    private static int Size(PageEncoding encoding, int written) => encoding switch
    {
        PageEncoding.Zero or PageEncoding.Unchanged => 0,
        _ => Math.Min(written, PageSize),
    };

    private void MeasureWrittenPages(int seed)
    {
        var rng = new Random(seed);
        var page = new byte[PageSize];
        var sizes = new ushort[Samples];
        foreach (var kind in new[] { WriteKind.Heap, WriteKind.Text, WriteKind.Random })
        {
            foreach (var (compressor, level, means) in new[]
            {
                (PageEncoding.Lz4, DeflateLevel, WrittenLz4), (PageEncoding.Zstd, DeflateLevel, WrittenZstd),
                (PageEncoding.Deflate, DeflateLevel, WrittenDeflate), (PageEncoding.Deflate, ZlibLevel, WrittenZlib),
            })
            {
                using var encoder = Encoder(compressor, level);
                using var builder = new PageBatchEncoder(encoder, Samples);
                var samples = new Random(rng.Next());
                builder.Begin();
                for (int i = 0; i < Samples; i++)
                {
                    Fill(page, kind, samples);
                    builder.Add(i, page);
                    if (!builder.HasRoom && i + 1 < Samples) Charge(builder, sizes);
                }
                Charge(builder, sizes);
                double sum = 0;
                foreach (ushort size in sizes) sum += size;
                means[(int)kind] = sum / Samples;
            }
        }
    }

    internal static void Fill(Span<byte> page, WriteKind kind, Random rng)
    {
        var pageRng = new PageRandom((ulong)rng.NextInt64());
        switch (kind)
        {
            case WriteKind.Heap: PageContent.FillHeap(page, ref pageRng); break;
            case WriteKind.Text: PageContent.FillText(page, ref pageRng); break;
            case WriteKind.Random: pageRng.NextBytes(page); break;
            default: page.Clear(); break;
        }
    }

    /// <summary>
    /// Delta sizes: sample pages of the seed image sent once, then n small updates (as the workloads make them), sent
    /// again through the engine's encoder. Delta cost: the same encoder's whole delta path (cache lookup, comparison,
    /// XBZRLE encode, cache update) in this thread's CPU time, with every page kept in both versions and encoded in
    /// turn, so that each encode is a delta of 1 to 16 updates against the other; passes repeat until the CPU time
    /// is long enough to measure.
    /// </summary>
    private void MeasureDeltas(MemoryImage image, int seed)
    {
        var rng = new Random(seed + 1);
        var buffer = new byte[PageEncoder.MaxEncodedLength];
        const int pairs = 16 * Samples;
        var before = new byte[pairs * PageSize];
        var after = new byte[pairs * PageSize];
        using var encoder = new PageEncoder(new PageEncoderOptions
        {
            AllowedEncodings = [PageEncoding.Raw, PageEncoding.Unchanged, PageEncoding.Delta],
            LinkBytesPerSecond = 0,
            DeltaCachePages = pairs + 1,
        });
        for (int n = 1; n <= 16; n++)
        {
            double sum = 0;
            for (int i = 0; i < Samples; i++)
            {
                int k = (n - 1) * Samples + i;
                var first = before.AsSpan(k * PageSize, PageSize);
                var second = after.AsSpan(k * PageSize, PageSize);
                image.GetPage((int)((long)i * image.PageCount / Samples)).CopyTo(first);
                first.CopyTo(second);
                for (int u = 0; u < n; u++) SmallUpdate(second, rng);
                encoder.Encode(k, first, buffer, out _);
                var encoding = encoder.Encode(k, second, buffer, out int written);
                sum += encoding == PageEncoding.Delta ? written : PageSize;
            }
            DeltaBytes[n] = sum / Samples;
        }

        long encodes = 0;
        var start = CpuClock.Thread();
        TimeSpan spent;
        do
        {
            for (int k = 0; k < pairs; k++) encoder.Encode(k, before.AsSpan(k * PageSize, PageSize), buffer, out _);
            for (int k = 0; k < pairs; k++) encoder.Encode(k, after.AsSpan(k * PageSize, PageSize), buffer, out _);
            encodes += 2 * pairs;
        }
        while ((spent = CpuClock.Thread() - start) < MinCostTime);
        DeltaCost = spent.TotalSeconds / encodes;
        DeltaPagesTimed = encodes;
    }

    /// <summary>The zero-page check over every page of the seed image (its mix of zero and non-zero pages), in this thread's CPU time.</summary>
    private void MeasureZeroScan(MemoryImage image)
    {
        long scans = 0, zero = 0;
        var start = CpuClock.Thread();
        TimeSpan spent;
        do
        {
            for (int p = 0; p < image.PageCount; p++)
                if (ZeroPage.IsZero(image.GetPage(p))) zero++;
            scans += image.PageCount;
        }
        while ((spent = CpuClock.Thread() - start) < MinCostTime);
        ZeroScanCost = spent.TotalSeconds / scans;
        GC.KeepAlive(zero);
    }

    /// <summary>The least CPU time a cost measured in one thread is taken over, so that the clock's granularity does not show.</summary>
    private static readonly TimeSpan MinCostTime = TimeSpan.FromMilliseconds(200);

    // As the workloads' small update: 1 to 16 octets at an aligned place.
    private static void SmallUpdate(Span<byte> page, Random rng)
    {
        int length = 1 << rng.Next(5);
        int offset = rng.Next(PageSize / length) * length;
        rng.NextBytes(page.Slice(offset, length));
    }

    /// <summary>One line per measurement, for the bench's header.</summary>
    public string Describe()
    {
        long zero = _zero.Count(z => z);
        double lz4 = 0, zstd = 0, deflate = 0, zlib = 0;
        long n = 0;
        for (int p = 0; p < _zero.Length; p++)
        {
            if (_zero[p]) continue;
            lz4 += _lz4[p];
            zstd += _zstd[p];
            deflate += _deflate[p];
            zlib += _zlib[p];
            n++;
        }
        n = Math.Max(1, n);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"seed image: {PageCount} pages, {100.0 * zero / PageCount:0.0} % zero; non-zero pages packed: LZ4 {lz4 / n:0} B ({Lz4Cost * 1e6:0.0} us), zstd {zstd / n:0} B ({ZstdCost * 1e6:0.0} us), Deflate {deflate / n:0} B ({DeflateCost * 1e6:0.0} us), zlib-1 {zlib / n:0} B ({ZlibCost * 1e6:0.0} us); " +
            $"written heap/text/random zstd {WrittenZstd[(int)WriteKind.Heap]:0}/{WrittenZstd[(int)WriteKind.Text]:0}/{WrittenZstd[(int)WriteKind.Random]:0} B; " +
            $"delta after 1/4/16 small updates {DeltaBytes[1]:0}/{DeltaBytes[4]:0}/{DeltaBytes[16]:0} B ({DeltaCost * 1e6:0.00} us); zero scan {ZeroScanCost * 1e6:0.000} us; all costs CPU time per page");
    }
}
