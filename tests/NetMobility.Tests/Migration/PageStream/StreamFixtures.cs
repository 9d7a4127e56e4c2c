using System.IO.Pipelines;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;

namespace NetMobility.Tests.Migration.PageStream;

/// <summary>Builds record bytes for reader tests and records what a sink was handed.</summary>
internal static class StreamFixtures
{
    public static readonly Guid Token = new("0f0e0d0c-0b0a-0908-0706-050403020100");
    public const long Memory = 1L << 20; // 256 pages

    public static byte[] Record(RecordType type, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[RecordFrame.HeaderLength + payload.Length];
        payload.CopyTo(bytes.AsSpan(RecordFrame.HeaderLength));
        RecordFrame.Emit(bytes, type, payload);
        return bytes;
    }

    public static byte[] Header(bool resume = false, byte index = 0, byte count = 1)
    {
        var payload = new byte[StreamHeader.Length];
        new StreamHeader(Memory, index, count, Token, resume).Emit(payload);
        return Record(RecordType.StreamHeader, payload);
    }

    /// <summary>A batch of pages whose content is the page number repeated (raw) or zero.</summary>
    public static byte[] Batch(uint round, ulong sequence, params int[] pages)
    {
        using var builder = new PageBatchBuilder();
        using var encoder = new PageEncoder(PageEncoderOptions.Uncompressed);
        builder.Begin(round, sequence);
        var page = new byte[MemoryImage.PageSize];
        foreach (int p in pages)
        {
            page.AsSpan().Fill((byte)p);
            builder.Add(encoder, p, page, out _);
        }
        return builder.Finish().ToArray();
    }

    public static byte[] EndRound(uint round, uint pages)
    {
        var payload = new byte[EndOfRound.Length];
        new EndOfRound(round, pages).Emit(payload);
        return Record(RecordType.EndOfRound, payload);
    }

    public static byte[] End(uint finalRound, ImageDigest digest)
    {
        var payload = new byte[EndOfStream.Length];
        new EndOfStream(finalRound, digest).Emit(payload);
        return Record(RecordType.EndOfStream, payload);
    }

    public static byte[] Concat(params byte[][] records) => records.SelectMany(r => r).ToArray();

    /// <summary>Runs a forward reader over <paramref name="bytes"/> written in one go, then completed.</summary>
    public static async Task<(ReadOutcome Outcome, RecordingSink Sink)> ReadForward(byte[] bytes, int maxPayload = RecordFrame.MaxPayloadLength)
    {
        // No pause threshold: the whole stream is written before the reader starts.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(bytes);
        await pipe.Writer.CompleteAsync();
        var sink = new RecordingSink();
        using var reader = new RecordReader(pipe.Reader, maxPayload);
        var outcome = await reader.RunAsync(new ForwardStreamHandler(sink));
        return (outcome, sink);
    }
}

internal sealed class RecordingSink : IForwardSink
{
    public List<string> Events { get; } = [];
    public bool StopAfterEndOfStream { get; init; }
    public bool Done { get; private set; }

    public PageStreamError OnHeader(in StreamHeader header, ForwardStreamHandler stream)
    {
        Events.Add($"header {header.ChannelIndex}/{header.ChannelCount}{(header.Resume ? " resume" : "")}");
        return PageStreamError.None;
    }

    public PageStreamError OnBatch(PageBatch batch)
    {
        var pages = new List<string>();
        foreach (var entry in batch) pages.Add($"{entry.PageNumber}:{entry.Encoding}:{entry.Payload.Length}");
        Events.Add($"batch r{batch.Round} s{batch.Sequence} [{string.Join(' ', pages)}]");
        return PageStreamError.None;
    }

    public PageStreamError OnEndOfRound(in EndOfRound record)
    {
        Events.Add($"end round {record.Round} ({record.PagesInRound})");
        return PageStreamError.None;
    }

    public PageStreamError OnDeviceState(ReadOnlySpan<byte> state)
    {
        Events.Add($"device {Hex.Of(state)}");
        return PageStreamError.None;
    }

    public PageStreamError OnEndOfStream(in EndOfStream record)
    {
        Events.Add($"end of stream {record.FinalRound}");
        Done = StopAfterEndOfStream;
        return PageStreamError.None;
    }

    public PageStreamError OnCommit()
    {
        Events.Add("commit");
        Done = true;
        return PageStreamError.None;
    }

    public ValueTask AfterRecordsAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
