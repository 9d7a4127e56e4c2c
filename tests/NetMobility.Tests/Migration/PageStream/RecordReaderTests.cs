using System.IO.Pipelines;
using NetMobility.Migration.PageStream;
using static NetMobility.Tests.Migration.PageStream.StreamFixtures;

namespace NetMobility.Tests.Migration.PageStream;

public class RecordReaderTests
{
    private static readonly ImageDigest Digest = ImageDigest.Read(new byte[16]);

    private static byte[] GoodStream() => Concat(
        Header(),
        Batch(1, 1, 1, 2, 3),
        Batch(1, 2, 0),
        EndRound(1, 4),
        Batch(2, 3, 2),
        EndRound(2, 1),
        DeviceState(0, 2, Hex.Bytes("0102")),
        End(2, Digest),
        Record(RecordType.Commit, []));

    private static readonly string[] GoodEvents =
    [
        "header 0/1",
        "batch r1 s1 [1:Raw:4096 2:Raw:4096 3:Raw:4096]",
        "batch r1 s2 [0:Zero:0]",
        "end round 1 (4)",
        "batch r2 s3 [2:Raw:4096]",
        "end round 2 (1)",
        "device 0/2 0102",
        "end of stream 2",
        "commit",
    ];

    [Fact]
    public async Task Whole_stream_reaches_the_sink_in_order()
    {
        var (outcome, sink) = await ReadForward(GoodStream());
        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(GoodEvents, sink.Events);
        Assert.Equal(9, outcome.RecordsAccepted);
    }

    [Fact]
    public async Task Stream_delivered_one_octet_at_a_time_reads_the_same()
    {
        var bytes = GoodStream();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var sink = new RecordingSink();
        using var reader = new RecordReader(pipe.Reader);
        var reading = reader.RunAsync(new ForwardStreamHandler(sink)).AsTask();
        for (int i = 0; i < bytes.Length; i++) await pipe.Writer.WriteAsync(bytes.AsMemory(i, 1));
        await pipe.Writer.CompleteAsync();
        var outcome = await reading;
        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(GoodEvents, sink.Events);
        Assert.Equal(bytes.Length, reader.BytesRead);
    }

    [Fact]
    public async Task Stream_cut_inside_a_record_is_truncated_and_the_partial_record_is_not_handed_on()
    {
        var whole = GoodStream();
        int cut = Header().Length + 100;
        var (outcome, sink) = await ReadForward(whole[..cut]);
        Assert.Equal(PageStreamError.Truncated, outcome.Error);
        Assert.Equal(GoodEvents[..1], sink.Events);
        Assert.Equal(1, outcome.RecordsAccepted);
    }

    [Fact]
    public async Task Stream_ending_between_records_before_it_is_complete_is_a_lost_connection()
    {
        var bytes = Concat(Header(), Batch(1, 1, 1));
        var (outcome, sink) = await ReadForward(bytes);
        Assert.Equal(PageStreamError.ConnectionLost, outcome.Error);
        Assert.Equal(2, sink.Events.Count);
    }

    [Fact]
    public async Task Corrupted_octet_fails_the_checksum_and_nothing_of_that_record_or_after_is_accepted()
    {
        var bytes = GoodStream();
        int second = Header().Length + Batch(1, 1, 1, 2, 3).Length;
        bytes[second + RecordFrame.HeaderLength + 20] ^= 0x40;
        var (outcome, sink) = await ReadForward(bytes);
        Assert.Equal(PageStreamError.BadChecksum, outcome.Error);
        Assert.Equal(RecordType.PageBatch, outcome.FailedType);
        Assert.Equal(second, outcome.Offset);
        Assert.Equal(GoodEvents[..2], sink.Events);
        Assert.Equal("bad record checksum in record 2 (PageBatch) at offset " + second, outcome.ToString());
    }

    [Fact]
    public async Task Record_over_the_frame_limit_is_refused_before_its_payload_is_read()
    {
        // Only the header of a 2 MiB record is ever written, and the pipe is left open: the reader must not wait for it.
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Header());
        await pipe.Writer.WriteAsync(Hex.Bytes("02 00 0000 00200000 00000000"));
        var sink = new RecordingSink();
        using var reader = new RecordReader(pipe.Reader);
        var outcome = await reader.RunAsync(new ForwardStreamHandler(sink));
        Assert.Equal(PageStreamError.Oversize, outcome.Error);
        Assert.Equal(["header 0/1"], sink.Events);
    }

    [Fact]
    public async Task Frame_limit_below_the_default_is_enforced()
    {
        var (outcome, sink) = await ReadForward(Concat(Header(), Batch(1, 1, 1, 2, 3)), maxPayload: 8192);
        Assert.Equal(PageStreamError.Oversize, outcome.Error);
        Assert.Single(sink.Events);
    }

    public static TheoryData<string, byte[], int> OutOfOrderStreams => new()
    {
        { "batch before header", Concat(Batch(1, 1, 1)), 0 },
        { "second header", Concat(Header(), Header()), 1 },
        { "sequence gap", Concat(Header(), Batch(1, 1, 1), Batch(1, 3, 2)), 2 },
        { "sequence repeated", Concat(Header(), Batch(1, 1, 1), Batch(1, 1, 2)), 2 },
        { "round going back", Concat(Header(), Batch(2, 1, 1), Batch(1, 2, 2)), 2 },
        { "batch for a round already ended", Concat(Header(), Batch(1, 1, 1), EndRound(1, 1), Batch(1, 2, 2)), 3 },
        { "round ended twice", Concat(Header(), Batch(1, 1, 1), EndRound(1, 1), EndRound(1, 0)), 3 },
        { "end of stream with a round open", Concat(Header(), Batch(1, 1, 1), End(1, Digest)), 2 },
        { "end of stream naming another round", Concat(Header(), Batch(1, 1, 1), EndRound(1, 1), End(2, Digest)), 3 },
        { "batch after end of stream", Concat(Header(), EndRound(1, 0), End(1, Digest), Batch(2, 1, 1)), 3 },
        { "commit before end of stream", Concat(Header(), Record(RecordType.Commit, [])), 1 },
        { "device state after end of stream", Concat(Header(), EndRound(1, 0), End(1, Digest), DeviceState(0, 1, [1])), 3 },
    };

    [Theory]
    [MemberData(nameof(OutOfOrderStreams))]
    public async Task Records_out_of_order_are_refused(string why, byte[] bytes, int accepted)
    {
        var (outcome, sink) = await ReadForward(bytes);
        Assert.True(outcome.Error == PageStreamError.OutOfOrder, $"{why}: {outcome}");
        Assert.Equal(accepted, outcome.RecordsAccepted);
        Assert.Equal(accepted, sink.Events.Count);
    }

    [Fact]
    public async Task End_of_round_with_a_wrong_page_count_is_refused()
    {
        var (outcome, sink) = await ReadForward(Concat(Header(), Batch(1, 1, 1, 2), EndRound(1, 3)));
        Assert.Equal(PageStreamError.BadLength, outcome.Error);
        Assert.Equal(2, sink.Events.Count);
    }

    [Theory]
    [InlineData(0x81)] // an ack, which only flows back
    [InlineData(0x42)]
    public async Task Record_types_this_direction_does_not_carry_are_refused(byte type)
    {
        var (outcome, sink) = await ReadForward(Concat(Header(), Record((RecordType)type, new byte[8])));
        Assert.Equal(PageStreamError.UnknownType, outcome.Error);
        Assert.Single(sink.Events);
    }

    [Fact]
    public async Task Resumed_channel_continues_after_the_applied_sequence_in_a_later_round()
    {
        var sink = new ResumingSink(appliedSequence: 4, highestRound: 2);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Concat(Header(resume: true), Batch(3, 5, 1), EndRound(3, 1), End(3, Digest)));
        await pipe.Writer.CompleteAsync();
        using var reader = new RecordReader(pipe.Reader);
        var outcome = await reader.RunAsync(new ForwardStreamHandler(sink));
        Assert.True(outcome.Succeeded, outcome.ToString());

        var stale = new ResumingSink(appliedSequence: 4, highestRound: 2);
        pipe = new Pipe();
        await pipe.Writer.WriteAsync(Concat(Header(resume: true), Batch(2, 5, 1)));
        await pipe.Writer.CompleteAsync();
        using var reader2 = new RecordReader(pipe.Reader);
        outcome = await reader2.RunAsync(new ForwardStreamHandler(stale));
        Assert.Equal(PageStreamError.OutOfOrder, outcome.Error);
    }

    private sealed class ResumingSink(ulong appliedSequence, uint highestRound) : IForwardSink
    {
        public bool Done { get; private set; }
        public PageStreamError OnHeader(in StreamHeader header, ForwardStreamHandler stream)
        {
            stream.ContinueFrom(appliedSequence, highestRound);
            return PageStreamError.None;
        }
        public PageStreamError OnBatch(PageBatch batch) => PageStreamError.None;
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
