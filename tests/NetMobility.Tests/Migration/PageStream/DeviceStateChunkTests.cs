using System.IO.Pipelines;
using NetMobility.Migration.PageStream;
using static NetMobility.Tests.Migration.PageStream.StreamFixtures;

namespace NetMobility.Tests.Migration.PageStream;

/// <summary>The device-state record (docs/page-stream.md sec 3.4): one chunk, and the order of chunks in a stream.</summary>
public class DeviceStateChunkTests
{
    // Built by hand from docs/page-stream.md sec 2 and 3.4: octets 2..3 at offset 65536 of a device state of 65538
    // octets; CRC-32C from the same bitwise Python reference as RecordFrameTests.
    private const string LastTwoOctets = "04 00 0000 00000012 1660293a 0000000000010000 0000000000010002 0102";

    private static readonly ImageDigest Digest = ImageDigest.Read(new byte[16]);

    [Fact]
    public void Chunk_record_is_written_as_the_vector()
    {
        Assert.Equal(Hex.Of(Hex.Bytes(LastTwoOctets)), Hex.Of(DeviceState(65536, 65538, [1, 2])));
    }

    [Fact]
    public void Chunk_parses_from_the_vector()
    {
        var bytes = Hex.Bytes(LastTwoOctets);
        Assert.True(RecordFrame.TryParse(bytes, RecordFrame.MaxPayloadLength, out var frame, out _, out _));
        Assert.Equal(RecordType.DeviceState, frame.Type);
        Assert.True(DeviceStateChunk.TryParse(bytes.AsSpan(RecordFrame.HeaderLength), out var chunk, out var error));
        Assert.Equal(PageStreamError.None, error);
        Assert.Equal(65536, chunk.Offset);
        Assert.Equal(65538, chunk.Total);
        Assert.Equal("0102", Hex.Of(chunk.Data));
        Assert.True(chunk.IsLast);
    }

    [Theory]
    [InlineData("0000000000000000 0000000000000001", "no data")]
    [InlineData("0000000000000000 0000000000000001 0102", "data past the total")]
    [InlineData("0000000000000002 0000000000000001 01", "offset past the total")]
    [InlineData("0000000000000000 4000000000000001 01", "total past 2^62")]
    [InlineData("00000000000000", "shorter than its header")]
    public void Chunks_that_do_not_hold_together_are_bad_length(string hex, string why)
    {
        Assert.False(DeviceStateChunk.TryParse(Hex.Bytes(hex), out _, out var error), why);
        Assert.Equal(PageStreamError.BadLength, error);
    }

    [Fact]
    public void A_chunk_carries_at_most_64_KiB()
    {
        var payload = new byte[DeviceStateChunk.HeaderLength + DeviceStateChunk.MaxData + 1];
        DeviceStateChunk.EmitHeader(payload, 0, 1 << 20);
        Assert.False(DeviceStateChunk.TryParse(payload, out _, out var error));
        Assert.Equal(PageStreamError.BadLength, error);
        Assert.True(DeviceStateChunk.TryParse(payload.AsSpan(0, payload.Length - 1), out var chunk, out _));
        Assert.Equal(DeviceStateChunk.MaxData, chunk.Data.Length);
        Assert.Throws<ArgumentException>(() => DeviceState(0, 1 << 20, new byte[DeviceStateChunk.MaxData + 1]));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1 + 28)]
    [InlineData(65536, 65536 + 28)]
    [InlineData(300_000, 300_000 + 5 * 28)]
    public void A_device_state_takes_a_chunk_record_per_64_KiB(long length, long wire) =>
        Assert.Equal(wire, PageStreamWriter.DeviceStateRecordBytes(length));

    [Fact]
    public async Task Consecutive_chunks_reach_the_sink_in_order()
    {
        var sink = new RecordingSink { StopAfterEndOfStream = true };
        var outcome = await ReadForward(Concat(Header(), DeviceState(0, 5, [1, 2]), DeviceState(2, 5, [3, 4, 5]), EndRound(1, 0), End(1, Digest)), sink);
        Assert.True(outcome.Succeeded, outcome.ToString());
        Assert.Equal(["header 0/1", "device 0/5 0102", "device 2/5 030405", "end round 1 (0)", "end of stream 1"], sink.Events);
    }

    public static TheoryData<string, byte[], PageStreamError, int> BadSequences => new()
    {
        { "first chunk not at 0", Concat(Header(), DeviceState(2, 5, [3])), PageStreamError.DeviceStateGap, 1 },
        { "a chunk skipped", Concat(Header(), DeviceState(0, 5, [1]), DeviceState(2, 5, [3])), PageStreamError.DeviceStateGap, 2 },
        { "a chunk again", Concat(Header(), DeviceState(0, 5, [1, 2]), DeviceState(1, 5, [2, 3])), PageStreamError.DeviceStateOverlap, 2 },
        { "the whole again on one connection", Concat(Header(), DeviceState(0, 2, [1, 2]), DeviceState(0, 2, [1, 2])), PageStreamError.DeviceStateOverlap, 2 },
        { "another total", Concat(Header(), DeviceState(0, 5, [1]), DeviceState(1, 6, [2])), PageStreamError.BadLength, 2 },
        { "more than the total", Concat(Header(), DeviceState(0, 2, [1, 2]), Record(RecordType.DeviceState, Hex.Bytes("0000000000000002 0000000000000002 03"))), PageStreamError.BadLength, 2 },
        { "end of stream with the device state short", Concat(Header(), DeviceState(0, 5, [1, 2]), EndRound(1, 0), End(1, Digest)), PageStreamError.DeviceStateGap, 3 },
        { "a chunk after end of stream", Concat(Header(), EndRound(1, 0), End(1, Digest), DeviceState(0, 1, [1])), PageStreamError.OutOfOrder, 3 },
    };

    [Theory]
    [MemberData(nameof(BadSequences))]
    public async Task Chunks_out_of_place_are_refused_with_the_named_error(string why, byte[] bytes, PageStreamError expected, int accepted)
    {
        var (outcome, sink) = await ReadForward(bytes);
        Assert.True(outcome.Error == expected, $"{why}: {outcome}");
        Assert.Equal(accepted, outcome.RecordsAccepted);
        Assert.Equal(accepted, sink.Events.Count);
    }

    [Fact]
    public async Task A_device_state_over_the_bound_is_refused_at_its_first_chunk()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Concat(Header(), DeviceState(0, 1001, [1])));
        await pipe.Writer.CompleteAsync();
        var sink = new RecordingSink();
        using var reader = new RecordReader(pipe.Reader);
        var outcome = await reader.RunAsync(new ForwardStreamHandler(sink, maxDeviceStateLength: 1000));
        Assert.Equal(PageStreamError.DeviceStateOversize, outcome.Error);
        Assert.Equal(["header 0/1"], sink.Events);
    }
}
