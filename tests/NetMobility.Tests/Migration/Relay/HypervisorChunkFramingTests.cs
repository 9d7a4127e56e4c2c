using System.Buffers;
using System.IO.Pipelines;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Relay;

namespace NetMobility.Tests.Migration.Relay;

/// <summary>The relay's records (docs/page-stream.md sec 9) through the page stream's record reader into the receiving end's handler, with no QEMU.</summary>
public class HypervisorChunkFramingTests
{
    private static readonly Guid Token = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    private sealed record Run(ReadOutcome Outcome, byte[] Delivered, List<long> Acks, bool Done);

    /// <summary>Reads <paramref name="forward"/> (then the end of input) with a fresh handler; answers what reached the hypervisor and the acks sent back.</summary>
    private static async Task<Run> FeedAsync(byte[] forward)
    {
        var input = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await input.Writer.WriteAsync(forward);
        await input.Writer.CompleteAsync();
        var hypervisor = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var replies = new Pipe();
        var handler = new RelayForwardHandler(hypervisor.Writer);
        handler.Attach(replies.Writer);
        using var reader = new RecordReader(input.Reader);
        var outcome = await reader.RunAsync(handler);
        await hypervisor.Writer.CompleteAsync();
        await replies.Writer.CompleteAsync();
        var delivered = (await hypervisor.Reader.ReadAtLeastAsync(int.MaxValue)).Buffer.ToArray();
        var acks = new List<long>();
        var returned = (await replies.Reader.ReadAtLeastAsync(int.MaxValue)).Buffer.ToArray().AsSpan();
        while (returned.Length > 0)
        {
            Assert.True(RecordFrame.TryParse(returned, RecordFrame.MaxPayloadLength, out var frame, out int consumed, out var error), error.ToString());
            Assert.Equal(RecordType.HypervisorAck, frame.Type);
            var payload = returned.Slice(consumed, frame.PayloadLength);
            Assert.True(frame.Verifies(payload));
            Assert.True(HypervisorAck.TryParse(payload, out var ack, out error), error.ToString());
            acks.Add(ack.Delivered);
            returned = returned[(consumed + frame.PayloadLength)..];
        }
        return new Run(outcome, delivered, acks, handler.Done);
    }

    private static byte[] Data(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void Records_round_trip_through_their_codecs()
    {
        Span<byte> buffer = stackalloc byte[HypervisorStreamHeader.Length];
        new HypervisorStreamHeader(Token, Resume: true).Emit(buffer);
        Assert.Equal("4e4d48530001000100112233445566778899aabbccddeeff", Convert.ToHexStringLower(buffer));
        Assert.True(HypervisorStreamHeader.TryParse(buffer, out var header, out _));
        Assert.Equal(new HypervisorStreamHeader(Token, true), header);

        Span<byte> eight = stackalloc byte[8];
        new HypervisorAck(0x0102030405L).Emit(eight);
        Assert.Equal("0000000102030405", Convert.ToHexStringLower(eight));
        Assert.True(HypervisorAck.TryParse(eight, out var ack, out _));
        Assert.Equal(0x0102030405L, ack.Delivered);
        new HypervisorStreamEnd(77).Emit(eight);
        Assert.True(HypervisorStreamEnd.TryParse(eight, out var end, out _));
        Assert.Equal(77, end.StreamLength);

        var record = RelayRecords.Chunk(1 << 20, [0xA5, 0x5A, 0x01]);
        Assert.True(RecordFrame.TryParse(record, RecordFrame.MaxPayloadLength, out var frame, out int consumed, out _));
        Assert.Equal(RecordType.HypervisorChunk, frame.Type);
        Assert.Equal(0x0A, record[0]);
        Assert.True(HypervisorChunk.TryParse(record.AsSpan(consumed), out var chunk, out _));
        Assert.Equal(1 << 20, chunk.Offset);
        Assert.Equal(1 << 20 | 3, chunk.End);
        Assert.Equal(new byte[] { 0xA5, 0x5A, 0x01 }, chunk.Data.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(HypervisorChunk.MaxData + 1)]
    public void A_chunk_with_no_data_or_more_than_64_KiB_is_a_bad_length(int dataLength)
    {
        var payload = new byte[HypervisorChunk.HeaderLength + dataLength];
        Assert.False(HypervisorChunk.TryParse(payload, out _, out var error));
        Assert.Equal(PageStreamError.BadLength, error);
        Assert.False(HypervisorChunk.TryParse(payload.AsSpan(0, 5), out _, out error));
        Assert.Equal(PageStreamError.BadLength, error);
    }

    [Fact]
    public void Header_with_a_foreign_magic_version_or_flag_is_refused()
    {
        var payload = new byte[HypervisorStreamHeader.Length];
        new HypervisorStreamHeader(Token, false).Emit(payload);
        var wrongMagic = payload.ToArray();
        wrongMagic[0] = (byte)'X';
        Assert.False(HypervisorStreamHeader.TryParse(wrongMagic, out _, out var error));
        Assert.Equal(PageStreamError.BadMagic, error);
        var wrongVersion = payload.ToArray();
        wrongVersion[5] = 2;
        Assert.False(HypervisorStreamHeader.TryParse(wrongVersion, out _, out error));
        Assert.Equal(PageStreamError.BadVersion, error);
        var wrongFlag = payload.ToArray();
        wrongFlag[7] = 2;
        Assert.False(HypervisorStreamHeader.TryParse(wrongFlag, out _, out error));
        Assert.Equal(PageStreamError.BadLength, error);
        Assert.False(HypervisorStreamHeader.TryParse(payload.AsSpan(1), out _, out error));
        Assert.Equal(PageStreamError.BadLength, error);
    }

    [Fact]
    public async Task A_whole_stream_is_delivered_in_order_and_acknowledged_to_its_end()
    {
        var data = Data(180_000);
        var run = await FeedAsync(RelayRecords.Concat(
            RelayRecords.Header(Token),
            RelayRecords.Chunk(0, data.AsSpan(0, 65536)),
            RelayRecords.Chunk(65536, data.AsSpan(65536, 65536)),
            RelayRecords.Chunk(131072, data.AsSpan(131072)),
            RelayRecords.End(data.Length)));
        // The end is acknowledged, and so the relay is done, whatever the connection does next (here it ends).
        Assert.True(run.Done, run.Outcome.ToString());
        Assert.Equal(data, run.Delivered);
        Assert.Equal(data.Length, run.Acks[^1]);
        Assert.Equal(run.Acks.Order(), run.Acks);
    }

    [Fact]
    public async Task A_stream_cut_inside_a_chunk_delivers_the_whole_chunks_only_and_keeps_the_session()
    {
        var data = Data(3000);
        var forward = RelayRecords.Concat(RelayRecords.Header(Token), RelayRecords.Chunk(0, data.AsSpan(0, 1000)), RelayRecords.Chunk(1000, data.AsSpan(1000)));
        var run = await FeedAsync(forward[..^10]);
        Assert.Equal(PageStreamError.Truncated, run.Outcome.Error);
        Assert.False(run.Done);
        Assert.Equal(data[..1000], run.Delivered);
        Assert.Equal(1000, run.Acks[^1]);
    }

    [Theory]
    [InlineData(RecordType.PageBatch)]
    [InlineData(RecordType.StreamHeader)]
    [InlineData(RecordType.HypervisorAck)]
    [InlineData((RecordType)0x42)]
    public async Task A_record_type_the_relay_does_not_carry_ends_it(RecordType type)
    {
        var run = await FeedAsync(RelayRecords.Concat(RelayRecords.Header(Token), RelayRecords.Chunk(0, [1, 2, 3]), RelayRecords.Frame(type, new byte[8])));
        Assert.Equal(PageStreamError.UnknownType, run.Outcome.Error);
        Assert.Equal(2, run.Outcome.RecordsAccepted);
        Assert.Equal(new byte[] { 1, 2, 3 }, run.Delivered);
    }

    [Theory]
    [InlineData(4)]    // a gap: octets 3..4 never came
    [InlineData(0)]    // the first chunk again: it would be delivered twice
    [InlineData(2)]    // overlapping what was delivered
    public async Task A_chunk_anywhere_but_at_the_next_offset_is_out_of_order(long offset)
    {
        var run = await FeedAsync(RelayRecords.Concat(RelayRecords.Header(Token), RelayRecords.Chunk(0, [1, 2, 3]), RelayRecords.Chunk(offset, [4, 5])));
        Assert.Equal(PageStreamError.OutOfOrder, run.Outcome.Error);
        Assert.Equal(new byte[] { 1, 2, 3 }, run.Delivered);
        Assert.Equal("record out of order in record 2 (HypervisorChunk) at offset 59", run.Outcome.ToString());
    }

    [Fact]
    public async Task A_chunk_before_the_header_or_an_end_short_of_what_came_is_out_of_order()
    {
        var early = await FeedAsync(RelayRecords.Chunk(0, [1]));
        Assert.Equal(PageStreamError.OutOfOrder, early.Outcome.Error);
        Assert.Empty(early.Delivered);
        var shortEnd = await FeedAsync(RelayRecords.Concat(RelayRecords.Header(Token), RelayRecords.Chunk(0, [1, 2, 3]), RelayRecords.End(2)));
        Assert.Equal(PageStreamError.OutOfOrder, shortEnd.Outcome.Error);
        Assert.False(shortEnd.Done);
        var twoHeaders = await FeedAsync(RelayRecords.Concat(RelayRecords.Header(Token), RelayRecords.Header(Token)));
        Assert.Equal(PageStreamError.OutOfOrder, twoHeaders.Outcome.Error);
    }

    [Fact]
    public async Task A_resumed_header_on_a_new_session_names_no_session()
    {
        var run = await FeedAsync(RelayRecords.Header(Token, resume: true));
        Assert.Equal(PageStreamError.UnknownSession, run.Outcome.Error);
        Assert.Empty(run.Acks);
    }

    [Fact]
    public async Task A_resumed_connection_carries_on_at_the_acknowledged_offset_under_the_same_token_only()
    {
        var data = Data(5000, seed: 2);
        var hypervisor = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var handler = new RelayForwardHandler(hypervisor.Writer);

        async Task<(ReadOutcome Outcome, List<long> Acks)> Connection(byte[] forward)
        {
            var input = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
            await input.Writer.WriteAsync(forward);
            await input.Writer.CompleteAsync();
            var replies = new Pipe();
            handler.Attach(replies.Writer);
            using var reader = new RecordReader(input.Reader);
            var outcome = await reader.RunAsync(handler);
            await replies.Writer.CompleteAsync();
            var bytes = (await replies.Reader.ReadAtLeastAsync(int.MaxValue)).Buffer.ToArray();
            var acks = new List<long>();
            for (int at = 0; at < bytes.Length; at += RecordFrame.HeaderLength + HypervisorAck.Length)
            {
                Assert.True(HypervisorAck.TryParse(bytes.AsSpan(at + RecordFrame.HeaderLength, HypervisorAck.Length), out var ack, out _));
                acks.Add(ack.Delivered);
            }
            return (outcome, acks);
        }

        var first = await Connection(RelayRecords.Concat(RelayRecords.Header(Token), RelayRecords.Chunk(0, data.AsSpan(0, 2000))));
        Assert.Equal(PageStreamError.ConnectionLost, first.Outcome.Error);
        var stranger = await Connection(RelayRecords.Header(Guid.NewGuid(), resume: true));
        Assert.Equal(PageStreamError.UnknownSession, stranger.Outcome.Error);
        var fresh = await Connection(RelayRecords.Header(Token, resume: false));
        Assert.Equal(PageStreamError.UnknownSession, fresh.Outcome.Error);
        var resumed = await Connection(RelayRecords.Concat(RelayRecords.Header(Token, resume: true), RelayRecords.Chunk(2000, data.AsSpan(2000)), RelayRecords.End(data.Length)));
        Assert.True(handler.Done, resumed.Outcome.ToString());
        Assert.Equal(2000, first.Acks[^1]);
        Assert.Equal(data.Length, resumed.Acks[^1]);
        await hypervisor.Writer.CompleteAsync();
        Assert.Equal(data, (await hypervisor.Reader.ReadAtLeastAsync(int.MaxValue)).Buffer.ToArray());
    }
}
