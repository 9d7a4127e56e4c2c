using System.IO.Pipelines;
using NetMobility.Migration.PageStream;

namespace NetMobility.Tests.Migration.PageStream;

public class ReturnStreamTests
{
    private sealed class Sink : IReturnSink
    {
        public List<string> Events { get; } = [];
        public bool Done { get; private set; }
        public PageStreamError OnAck(in Ack record) { Events.Add($"ack {record.AppliedSequence}"); return PageStreamError.None; }
        public bool ReadOnAfterReady { get; init; }
        public PageStreamError OnReady(in Ready record) { Events.Add("ready"); Done = !ReadOnAfterReady; return PageStreamError.None; }
        public PageStreamError OnResumed(in Resumed record) { Events.Add($"resumed {record.ResumeNanoseconds}"); Done = true; return PageStreamError.None; }
        public PageStreamError OnError(in ErrorRecord record) { Events.Add($"error {record.Code} {record.Message}"); return PageStreamError.PeerError; }
    }

    private static async Task<(ReadOutcome, Sink)> Read(Action<PageStreamWriter> write, bool readOnAfterReady = false)
    {
        var pipe = new Pipe();
        var writer = new PageStreamWriter(pipe.Writer);
        write(writer);
        await writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var sink = new Sink { ReadOnAfterReady = readOnAfterReady };
        using var reader = new RecordReader(pipe.Reader);
        return (await reader.RunAsync(new ReturnStreamHandler(sink)), sink);
    }

    [Fact]
    public async Task Acks_then_ready_are_read_in_order()
    {
        var digest = ImageDigest.Read(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        var (outcome, sink) = await Read(w =>
        {
            w.WriteAck(new Ack(0));
            w.WriteAck(new Ack(3));
            w.WriteReady(new Ready(digest));
        });
        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(["ack 0", "ack 3", "ready"], sink.Events);
    }

    [Fact]
    public async Task Resumed_follows_ready_once()
    {
        var digest = ImageDigest.Read(new byte[16]);
        var (outcome, sink) = await Read(w =>
        {
            w.WriteReady(new Ready(digest));
            w.WriteResumed(new Resumed(42));
        }, readOnAfterReady: true);
        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(["ready", "resumed 42"], sink.Events);
    }

    [Fact]
    public async Task Resumed_before_ready_is_out_of_order()
    {
        var (outcome, sink) = await Read(w => w.WriteResumed(new Resumed(1)));
        Assert.Equal(PageStreamError.OutOfOrder, outcome.Error);
        Assert.Empty(sink.Events);
    }

    [Fact]
    public async Task Ack_going_back_is_out_of_order()
    {
        var (outcome, sink) = await Read(w =>
        {
            w.WriteAck(new Ack(5));
            w.WriteAck(new Ack(4));
        });
        Assert.Equal(PageStreamError.OutOfOrder, outcome.Error);
        Assert.Equal(["ack 5"], sink.Events);
    }

    [Fact]
    public async Task Error_record_stops_the_reader_with_the_peer_message()
    {
        var (outcome, sink) = await Read(w => w.WriteError(new ErrorRecord(PageStreamError.DigestMismatch, "image digest mismatch")));
        Assert.Equal(PageStreamError.PeerError, outcome.Error);
        Assert.Equal(["error DigestMismatch image digest mismatch"], sink.Events);
    }

    [Fact]
    public async Task Forward_records_on_the_return_path_are_refused()
    {
        var (outcome, _) = await Read(w => w.WriteCommit());
        Assert.Equal(PageStreamError.UnknownType, outcome.Error);
    }
}
