using System.Buffers;
using System.Buffers.Binary;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Encoding;

namespace NetMobility.Tests.Migration.PageStream;

public class PageBatchTests
{
    private const int Pages = 256;

    [Fact]
    public void Builder_output_parses_back_entry_by_entry()
    {
        var record = StreamFixtures.Batch(3, 9, 5, 0, 200);
        Assert.True(RecordFrame.TryParse(record, RecordFrame.MaxPayloadLength, out var frame, out _, out _));
        Assert.Equal(RecordType.PageBatch, frame.Type);
        var payload = record.AsSpan(RecordFrame.HeaderLength);
        Assert.True(frame.Verifies(payload));
        Assert.True(PageBatch.TryCreate(payload, Pages, out var batch, out var error), error.Describe());
        Assert.Equal(3u, batch.Round);
        Assert.Equal(9ul, batch.Sequence);
        Assert.Equal(3, batch.Count);
        var seen = new List<(int, PageEncoding, int)>();
        foreach (var entry in batch)
        {
            seen.Add((entry.PageNumber, entry.Encoding, entry.Payload.Length));
            if (entry.Encoding == PageEncoding.Raw) Assert.True(entry.Payload.IndexOfAnyExcept((byte)entry.PageNumber) < 0);
        }
        // Page 0 is all zero bytes, so the encoder sends it as a zero page.
        Assert.Equal([(5, PageEncoding.Raw, 4096), (0, PageEncoding.Zero, 0), (200, PageEncoding.Raw, 4096)], seen);
        Assert.Equal(PageBatch.HeaderLength + 3 * PageBatch.EntryHeaderLength + 2 * 4096, payload.Length);
    }

    [Fact]
    public void Batch_header_layout_matches_the_spec()
    {
        var record = StreamFixtures.Batch(1, 2, 0);
        // round 1, sequence 2, one page; entry: page 0, encoding Zero (1), length 0.
        Assert.Equal("00000001 0000000000000002 0001 0000 00000000 01 0000".Replace(" ", ""), Hex.Of(record.AsSpan(RecordFrame.HeaderLength)));
    }

    [Fact]
    public void Page_number_past_the_memory_is_refused()
    {
        var payload = StreamFixtures.Batch(1, 1, 5).AsSpan(RecordFrame.HeaderLength).ToArray();
        Assert.False(PageBatch.TryCreate(payload, 5, out _, out var error));
        Assert.Equal(PageStreamError.BadPageNumber, error);
    }

    [Fact]
    public void Unknown_encoding_is_refused()
    {
        var payload = StreamFixtures.Batch(1, 1, 0).AsSpan(RecordFrame.HeaderLength).ToArray();
        payload[PageBatch.HeaderLength + 4] = 9;
        Assert.False(PageBatch.TryCreate(payload, Pages, out _, out var error));
        Assert.Equal(PageStreamError.BadEncoding, error);
    }

    [Theory]
    [InlineData(0, 100)]   // a raw page that is not a whole page
    [InlineData(1, 1)]     // a zero page with a payload
    public void Lengths_that_do_not_fit_the_encoding_are_refused(byte encoding, ushort length)
    {
        var payload = new byte[PageBatch.HeaderLength + PageBatch.EntryHeaderLength + length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, 1);
        BinaryPrimitives.WriteUInt64BigEndian(payload.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(12), 1);
        payload[PageBatch.HeaderLength + 4] = encoding;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(PageBatch.HeaderLength + 5), length);
        Assert.False(PageBatch.TryCreate(payload, Pages, out _, out var error));
        Assert.Equal(PageStreamError.BadLength, error);
    }

    [Fact]
    public void Count_larger_than_the_entries_or_bytes_left_over_are_refused()
    {
        var payload = StreamFixtures.Batch(1, 1, 3, 4).AsSpan(RecordFrame.HeaderLength).ToArray();
        var more = (byte[])payload.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(more.AsSpan(12), 3);
        Assert.False(PageBatch.TryCreate(more, Pages, out _, out var error));
        Assert.Equal(PageStreamError.BadLength, error);

        var fewer = (byte[])payload.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(fewer.AsSpan(12), 1);
        Assert.False(PageBatch.TryCreate(fewer, Pages, out _, out error));
        Assert.Equal(PageStreamError.BadLength, error);
    }

    [Fact]
    public void Batch_encoder_stops_taking_pages_at_its_bound()
    {
        using var encoder = new PageEncoder(PageEncoderOptions.Uncompressed);
        using var builder = new PageBatchEncoder(encoder, maxPages: 2);
        builder.Begin();
        var page = new byte[MemoryImage.PageSize];
        Assert.Equal(PageEncoding.Zero, builder.Add(0, page));
        builder.Add(1, page);
        Assert.False(builder.HasRoom);
        Assert.Throws<InvalidOperationException>(() => builder.Add(2, page));
        Assert.Equal([0, 1], builder.Pages.ToArray());
        var batch = builder.Finish();
        // Two zero entries: headers only.
        Assert.Equal(2 * PageBatch.EntryHeaderLength, batch.Entries.Length);
        Assert.Equal(2, batch.Counts[(int)PageEncoding.Zero]);
    }

    [Fact]
    public void Unchanged_pages_get_no_entry_but_are_counted()
    {
        using var encoder = new PageEncoder(new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Unchanged], DeltaCachePages = 8 });
        using var builder = new PageBatchEncoder(encoder);
        var page = TestPages.Text(3);
        builder.Begin();
        Assert.Equal(PageEncoding.Raw, builder.Add(5, page));
        Assert.Equal(1, builder.Finish().Count);
        builder.Begin();
        Assert.Equal(PageEncoding.Unchanged, builder.Add(5, page));
        var again = builder.Finish();
        Assert.True(again.IsEmpty);
        Assert.Equal(1, again.Counts[(int)PageEncoding.Unchanged]);
        Assert.Equal(0, again.Counts[(int)PageEncoding.Raw]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Batch_built_in_the_output_pipe_is_written_as_built_elsewhere(bool packing)
    {
        var options = packing
            ? new PageEncoderOptions { AllowedEncodings = [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Lz4], LinkBytesPerSecond = 0 }
            : PageEncoderOptions.Uncompressed;
        var pages = new[] { TestPages.Text(1), new byte[MemoryImage.PageSize], TestPages.Random(2) };
        byte[] Expected()
        {
            using var encoder = new PageEncoder(options);
            using var builder = new PageBatchEncoder(encoder);
            builder.Begin();
            for (int p = 0; p < pages.Length; p++) builder.Add(p, pages[p]);
            return StreamFixtures.BatchRecord(builder.Finish(), 2, 5);
        }

        var pipe = new System.IO.Pipelines.Pipe();
        var writer = new PageStreamWriter(pipe.Writer);
        using (var encoder = new PageEncoder(options))
        using (var builder = new PageBatchEncoder(encoder))
        {
            var space = writer.BatchSpace(builder.EntriesBound);
            builder.Begin(space);
            for (int p = 0; p < pages.Length; p++) builder.Add(p, pages[p]);
            var batch = builder.Finish();
            // A batch that does not pack is encoded in the pipe's own memory, right where its record will have it.
            Assert.Equal(!packing, space.Span.Overlaps(batch.Entries));
            writer.WriteBatch(2, 5, batch);
        }
        writer.WriteEndOfRound(new EndOfRound(2, 3));
        await pipe.Writer.CompleteAsync();
        var written = (await pipe.Reader.ReadAtLeastAsync(1 << 20)).Buffer.ToArray();
        var expected = Expected();
        Assert.Equal(Hex.Of(expected), Hex.Of(written.AsSpan(0, expected.Length)));
        Assert.Equal(expected.Length + RecordFrame.HeaderLength + EndOfRound.Length, written.Length);
        Assert.Equal(written.Length, writer.BytesWritten);
    }
}
