using System.Buffers;
using System.IO.Pipelines;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Writes page-stream records into a <see cref="PipeWriter"/>. Writing only fills the pipe; the caller
/// flushes (<see cref="FlushAsync"/>) where it wants the bytes to go, which is also where the pipe's
/// pause threshold pushes back. Counts the octets written for the report.
/// </summary>
public sealed class PageStreamWriter(PipeWriter output)
{
    public PipeWriter Output { get; } = output;

    /// <summary>Octets written so far, record headers included.</summary>
    public long BytesWritten { get; private set; }

    public void WriteHeader(in StreamHeader header)
    {
        var span = Begin(StreamHeader.Length);
        header.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.StreamHeader, StreamHeader.Length);
    }

    /// <summary>Finishes and writes a batch; one built in this writer's memory (<see cref="PageBatchBuilder.Begin"/>) is committed in place.</summary>
    public void WriteBatch(PageBatchBuilder batch) => BytesWritten += batch.WriteTo(Output);

    public void WriteEndOfRound(in EndOfRound record)
    {
        var span = Begin(EndOfRound.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.EndOfRound, EndOfRound.Length);
    }

    /// <summary>Device state (sec 3.4): opaque octets the network layer fills; at most the frame limit.</summary>
    public void WriteDeviceState(ReadOnlySpan<byte> state)
    {
        if (state.Length > RecordFrame.MaxPayloadLength) throw new ArgumentException($"device state of {state.Length} octets exceeds the frame limit", nameof(state));
        var span = Begin(state.Length);
        state.CopyTo(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.DeviceState, state.Length);
    }

    public void WriteEndOfStream(in EndOfStream record)
    {
        var span = Begin(EndOfStream.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.EndOfStream, EndOfStream.Length);
    }

    public void WriteCommit() => End(Begin(0), RecordType.Commit, 0);

    public void WriteAck(in Ack record)
    {
        var span = Begin(Ack.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.Ack, Ack.Length);
    }

    public void WriteReady(in Ready record)
    {
        var span = Begin(Ready.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.Ready, Ready.Length);
    }

    public void WriteResumed(in Resumed record)
    {
        var span = Begin(Resumed.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.Resumed, Resumed.Length);
    }

    public void WriteError(in ErrorRecord record)
    {
        int length = record.Length;
        var span = Begin(length);
        record.Emit(span.Slice(RecordFrame.HeaderLength, length));
        End(span, RecordType.Error, length);
    }

    /// <summary>Writes a complete record (header and payload) as it is.</summary>
    public void WriteRecordBytes(ReadOnlySpan<byte> record)
    {
        Output.Write(record);
        BytesWritten += record.Length;
    }

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => Output.FlushAsync(cancellationToken);

    private Span<byte> Begin(int payloadLength) => Output.GetSpan(RecordFrame.HeaderLength + payloadLength)[..(RecordFrame.HeaderLength + payloadLength)];

    private void End(Span<byte> record, RecordType type, int payloadLength)
    {
        RecordFrame.Emit(record, type, record.Slice(RecordFrame.HeaderLength, payloadLength));
        Output.Advance(RecordFrame.HeaderLength + payloadLength);
        BytesWritten += RecordFrame.HeaderLength + payloadLength;
    }
}
