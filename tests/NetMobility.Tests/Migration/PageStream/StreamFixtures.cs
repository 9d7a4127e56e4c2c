using System.Buffers;
using System.IO.Pipelines;
using NetMobility.Migration;
using NetMobility.Migration.PageStream;
using NetMobility.Migration.Encoding;

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
        using var encoder = new PageEncoder(PageEncoderOptions.Uncompressed);
        using var builder = new PageBatchEncoder(encoder);
        builder.Begin();
        var page = new byte[MemoryImage.PageSize];
        foreach (int p in pages)
        {
            page.AsSpan().Fill((byte)p);
            builder.Add(p, page);
        }
        return BatchRecord(builder.Finish(), round, sequence);
    }

    /// <summary>The whole record an encoded batch makes.</summary>
    public static byte[] BatchRecord(in EncodedBatch batch, uint round = 1, ulong sequence = 1)
    {
        var record = new byte[PageStreamWriter.BatchRecordLength(batch)];
        PageStreamWriter.FormatBatch(record, round, sequence, batch);
        return record;
    }

    public static byte[] EndRound(uint round, uint pages)
    {
        var payload = new byte[EndOfRound.Length];
        new EndOfRound(round, pages).Emit(payload);
        return Record(RecordType.EndOfRound, payload);
    }

    /// <summary>A device-state chunk record (sec 3.4), written the way the source writes it.</summary>
    public static byte[] DeviceState(long offset, long total, ReadOnlySpan<byte> data)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = new PageStreamWriter(pipe.Writer);
        writer.WriteDeviceStateChunk(offset, total, data);
        pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        pipe.Reader.TryRead(out var read);
        var bytes = read.Buffer.ToArray();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        return bytes;
    }

    public static byte[] End(uint finalRound, ImageDigest digest)
    {
        var payload = new byte[EndOfStream.Length];
        new EndOfStream(finalRound, digest).Emit(payload);
        return Record(RecordType.EndOfStream, payload);
    }

    /// <summary>
    /// The page batch a finished batch record stands for: a page batch as it is, a packed one inflated into
    /// <paramref name="scratch"/>. Fails the test when the record does not open.
    /// </summary>
    public static PageBatch OpenBatch(ReadOnlySpan<byte> record, int pageCount, byte[] scratch)
    {
        var payload = record[RecordFrame.HeaderLength..];
        // Messages are made only on failure: allocation tests open batches too.
        PageBatch batch;
        PageStreamError error;
        bool ok;
        if ((RecordType)record[0] == RecordType.PackedBatch)
        {
            ok = PackedBatch.TryCreate(payload, scratch.Length, out var packed, out error);
            Assert.True(ok, ok ? null : error.ToString());
            ok = packed.TryUnpack(scratch, pageCount, out batch, out error, out var reason);
            Assert.True(ok, ok ? null : $"{error} {reason}");
        }
        else
        {
            ok = PageBatch.TryCreate(payload, pageCount, out batch, out error);
            Assert.True(ok, ok ? null : error.ToString());
        }
        return batch;
    }

    public static byte[] Concat(params byte[][] records) => records.SelectMany(r => r).ToArray();

    /// <summary>Runs a forward reader over <paramref name="bytes"/> written in one go, then completed.</summary>
    public static async Task<(ReadOutcome Outcome, RecordingSink Sink)> ReadForward(byte[] bytes, int maxPayload = RecordFrame.MaxPayloadLength)
    {
        var sink = new RecordingSink();
        return (await ReadForward(bytes, sink, maxPayload), sink);
    }

    /// <summary>Runs a forward reader over <paramref name="bytes"/> written in one go, then completed, into <paramref name="sink"/>.</summary>
    public static async Task<ReadOutcome> ReadForward(byte[] bytes, IForwardSink sink, int maxPayload = RecordFrame.MaxPayloadLength)
    {
        // No pause threshold: the whole stream is written before the reader starts.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(bytes);
        await pipe.Writer.CompleteAsync();
        using var reader = new RecordReader(pipe.Reader, maxPayload);
        return await reader.RunAsync(new ForwardStreamHandler(sink));
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

    public PageStreamError OnDeviceState(DeviceStateChunk chunk)
    {
        Events.Add($"device {chunk.Offset}/{chunk.Total} {Hex.Of(chunk.Data)}");
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
