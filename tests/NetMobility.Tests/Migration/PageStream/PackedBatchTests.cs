using System.Buffers.Binary;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration.PageStream;

public class PackedBatchTests
{
    private const int PageSize = MemoryImage.PageSize;
    private const int Pages = (int)(StreamFixtures.Memory / PageSize);

    // Page kinds by page number: 0 zero, 1 random (incompressible), the rest text, heap and code.
    private static byte[] Content(int page) => (page % 5) switch
    {
        0 => new byte[PageSize],
        1 => TestPages.Random(page),
        2 => TestPages.Text(page),
        3 => TestPages.Heap(page),
        _ => TestPages.Code(page),
    };

    private static PageEncoderOptions Packing(PageEncoding method) => new()
    {
        AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, method],
        // Link speed unknown: every batch with compressible pages is compressed.
        LinkBytesPerSecond = 0,
    };

    private static byte[] Build(PageEncoder encoder, uint round, ulong sequence, IEnumerable<int> pages) =>
        Build(encoder, round, sequence, pages, out _, out _);

    private static byte[] Build(PageEncoder encoder, uint round, ulong sequence, IEnumerable<int> pages, out PageEncoding method, out int packedPages)
    {
        using var builder = new PageBatchEncoder(encoder);
        builder.Begin();
        foreach (int p in pages) builder.Add(p, Content(p));
        var batch = builder.Finish();
        method = batch.PackedMethod;
        packedPages = batch.PackedPages.Length;
        Assert.Equal(batch.Count, batch.Counts.ToArray().Sum() - batch.Counts[(int)PageEncoding.Unchanged]);
        return StreamFixtures.BatchRecord(batch, round, sequence);
    }

    [Theory]
    [InlineData(PageEncoding.Lz4)]
    [InlineData(PageEncoding.Zstd)]
    [InlineData(PageEncoding.Deflate)]
    public async Task Compressible_pages_travel_as_one_block_and_come_back_page_for_page(PageEncoding method)
    {
        using var encoder = new PageEncoder(Packing(method));
        var pages = Enumerable.Range(0, 40).ToArray();
        var record = Build(encoder, 1, 1, pages, out var packedMethod, out int packedPages);
        {
            Assert.Equal(RecordType.PackedBatch, (RecordType)record[0]);
            Assert.Equal(method, packedMethod);
            // Text, heap and code pages are packed; zero and random pages stay plain.
            Assert.Equal(24, packedPages);
        }
        // Eight raw random pages and eight zero entries as they are, the 24 others in a block under 3/4 of their size.
        Assert.InRange(record.Length - 8 * (PageBatch.EntryHeaderLength + PageSize) - 8 * PageBatch.EntryHeaderLength - RecordFrame.HeaderLength - PackedBatch.HeaderLength,
            1, 24 * PageSize * 3 / 4);
        Assert.Equal(24, encoder.Stats.Pages(method));
        Assert.Equal(8, encoder.Stats.Pages(PageEncoding.Raw));

        var image = new byte[Pages][];
        var (outcome, _) = await ReadInto(image, StreamFixtures.Header(), record, StreamFixtures.EndRound(1, 40));
        Assert.Equal(PageStreamError.None, outcome.Error);
        foreach (int p in pages) Assert.Equal(Hex.Of(Content(p)), Hex.Of(image[p]));
    }

    [Fact]
    public void Record_layout_matches_the_spec()
    {
        using var encoder = new PageEncoder(Packing(PageEncoding.Lz4));
        var record = Build(encoder, 2, 7, [0, 2, 3]);
        var payload = record.AsSpan(RecordFrame.HeaderLength);
        // Batch header: round 2, sequence 7, 3 pages; method 4 (LZ4), reserved; P = one zero entry (7 octets);
        // D = two raw entries (2 x 4103 octets); then the zero entry of page 0.
        Assert.Equal("00000002 0000000000000007 0003 0000 04 000000 00000007 0000200e 00000000 01 0000".Replace(" ", ""),
            Hex.Of(payload[..35]));
        Assert.True(PackedBatch.TryCreate(payload, RecordFrame.MaxPayloadLength, out var packed, out var error), error.Describe());
        Assert.Equal(PageEncoding.Lz4, packed.Method);
        Assert.Equal(PageBatch.HeaderLength + 7 + 2 * 4103, packed.UnpackedLength);
        Assert.Equal(payload.Length - PackedBatch.HeaderLength - 7, packed.Block.Length);
    }

    [Fact]
    public void Batch_that_would_not_shrink_goes_as_a_plain_page_batch()
    {
        // zstd measured at 1 s per batch on a 10 Gbit/s link: compressing never pays, except for the measurements.
        var options = Packing(PageEncoding.Zstd) with { LinkBytesPerSecond = 1_250_000_000, TimeProvider = new SteppingClock(TimeSpan.FromSeconds(1)) };
        using var encoder = new PageEncoder(options);
        var kinds = new List<RecordType>();
        for (int b = 0; b < CompressorChooser.WarmupBatches + 3; b++)
        {
            var record = Build(encoder, 1, (ulong)b + 1, [2, 3, 4]);
            kinds.Add((RecordType)record[0]);
            if (kinds[^1] == RecordType.PageBatch)
            {
                Assert.True(PageBatch.TryCreate(record.AsSpan(RecordFrame.HeaderLength), Pages, out var batch, out _));
                Assert.Equal(3, batch.Count);
            }
        }
        Assert.Equal([RecordType.PackedBatch, RecordType.PackedBatch, RecordType.PageBatch, RecordType.PageBatch, RecordType.PageBatch], kinds);
    }

    [Fact]
    public void Encoder_that_does_not_pack_compresses_page_by_page()
    {
        using var encoder = new PageEncoder(Packing(PageEncoding.Lz4) with { PackBatches = false });
        var record = Build(encoder, 1, 1, [2, 3, 4]);
        Assert.Equal(RecordType.PageBatch, (RecordType)record[0]);
        Assert.Equal(3, encoder.Stats.Pages(PageEncoding.Lz4));
    }

    public static TheoryData<string, Action<byte[]>, PageStreamError> Faults => new()
    {
        { "method 3 (delta) is not a block method", p => p[16] = 3, PageStreamError.BadEncoding },
        { "reserved octet set", p => p[18] = 1, PageStreamError.BadLength },
        { "plain length past the payload", p => BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(20), (uint)p.Length), PageStreamError.BadLength },
        { "inflated length larger than the block inflates to", p => BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(24), BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(24)) + 1), PageStreamError.BadEncoding },
        { "inflated length smaller than the block inflates to", p => BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(24), BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(24)) - 1), PageStreamError.BadEncoding },
        { "inflated length past the frame limit", p => BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(24), RecordFrame.MaxPayloadLength), PageStreamError.BadLength },
        { "block not shorter than what it inflates to", p => BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(24), 8), PageStreamError.BadLength },
        { "block corrupted", p => p.AsSpan(PackedBatch.HeaderLength + 7 + 4, 16).Fill(0xFF), PageStreamError.BadEncoding },
        { "page count one more than the entries", p => BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(12), 5), PageStreamError.BadLength },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Bad_packed_batch_is_refused_and_nothing_of_it_applied(string fault, Action<byte[]> spoil, PageStreamError expected)
    {
        using var encoder = new PageEncoder(Packing(PageEncoding.Zstd));
        var good = Build(encoder, 1, 1, [0, 2, 3, 4]);
        var payload = good.AsSpan(RecordFrame.HeaderLength).ToArray();
        spoil(payload);
        var bad = StreamFixtures.Record(RecordType.PackedBatch, payload);

        var image = new byte[Pages][];
        var (outcome, applied) = await ReadInto(image, StreamFixtures.Header(), bad);
        Assert.True(expected == outcome.Error, $"{fault}: {outcome}");
        Assert.Equal(0, applied);
    }

    /// <summary>Reads a forward stream and copies every page of every accepted batch into <paramref name="image"/>.</summary>
    private static async Task<(ReadOutcome Outcome, int Applied)> ReadInto(byte[][] image, params byte[][] records)
    {
        var sink = new ImageSink(image);
        var outcome = await StreamFixtures.ReadForward(StreamFixtures.Concat(records), sink);
        return (outcome, sink.Applied);
    }

    private sealed class ImageSink(byte[][] image) : IForwardSink
    {
        public int Applied { get; private set; }
        // The tests' streams end with a round: done once it is closed.
        public bool Done { get; private set; }
        public PageStreamError OnHeader(in StreamHeader header, ForwardStreamHandler stream) => PageStreamError.None;
        public PageStreamError OnBatch(PageBatch batch)
        {
            foreach (var entry in batch)
            {
                var page = image[entry.PageNumber] ??= new byte[PageSize];
                if (!PageDecoder.TryDecode(entry.Encoding, entry.Payload, page, out _)) return PageStreamError.BadEncoding;
                Applied++;
            }
            return PageStreamError.None;
        }
        public PageStreamError OnEndOfRound(in EndOfRound record)
        {
            Done = true;
            return PageStreamError.None;
        }
        public PageStreamError OnDeviceState(DeviceStateChunk chunk) => PageStreamError.None;
        public PageStreamError OnEndOfStream(in EndOfStream record) => PageStreamError.None;
        public PageStreamError OnCommit() => PageStreamError.None;
        public ValueTask AfterRecordsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
