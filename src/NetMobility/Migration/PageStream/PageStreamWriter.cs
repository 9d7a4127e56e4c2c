using System.Buffers;
using System.IO.Pipelines;
using NetMobility.Migration.Encoding;

namespace NetMobility.Migration.PageStream;

/// <summary>
/// Writes page-stream records into a <see cref="PipeWriter"/>. Writing only fills the pipe; the caller
/// flushes (<see cref="FlushAsync"/>) where it wants the bytes to go, which is also where the pipe's
/// pause threshold pushes back. Counts the octets written for the report. It only frames and writes: a page
/// batch comes to it encoded (<see cref="EncodedBatch"/>), and it adds the record and batch headers.
/// </summary>
public sealed class PageStreamWriter(PipeWriter output)
{
    /// <summary>Where a plain page batch's entries start in its record: after the record and batch headers.</summary>
    public const int BatchEntriesAt = RecordFrame.HeaderLength + PageBatch.HeaderLength;

    // Memory of the output pipe handed out for the next batch's entries (BatchSpace), from its record's first octet.
    private Memory<byte> _space;

    public PipeWriter Output { get; } = output;

    /// <summary>Octets written so far, record headers included.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Memory in the output pipe for the entries of the next page batch (<paramref name="entriesBound"/> octets), after
    /// room for its headers: a batch encoded there is framed in place by <see cref="WriteBatch"/>, with no copy. Until
    /// then nothing else may be written; writing any other record gives the space up.
    /// </summary>
    public Memory<byte> BatchSpace(int entriesBound)
    {
        _space = Output.GetMemory(BatchEntriesAt + entriesBound);
        return _space[BatchEntriesAt..];
    }

    /// <summary>Frames and writes an encoded batch (sec 3.2, or 3.7 when packed); one encoded in <see cref="BatchSpace"/> stays where it is.</summary>
    public void WriteBatch(uint round, ulong sequence, in EncodedBatch batch)
    {
        if (batch.IsEmpty) throw new ArgumentException("a page batch needs at least one entry", nameof(batch));
        int length = BatchRecordLength(batch);
        var space = _space.Span;
        _space = default;
        if (!batch.IsPacked && space.Length >= length && space.Overlaps(batch.Entries, out int offset) && offset == BatchEntriesAt)
            FrameBatch(space[..length], round, sequence, batch);
        else
            FormatBatch(Output.GetSpan(length), round, sequence, batch);
        Output.Advance(length);
        BytesWritten += length;
    }

    /// <summary>The octets of the record <paramref name="batch"/> makes.</summary>
    public static int BatchRecordLength(in EncodedBatch batch) => RecordFrame.HeaderLength + batch.PayloadLength;

    /// <summary>Writes the whole record of <paramref name="batch"/> into <paramref name="destination"/>; returns its length.</summary>
    public static int FormatBatch(Span<byte> destination, uint round, ulong sequence, in EncodedBatch batch)
    {
        int length = BatchRecordLength(batch);
        var record = destination[..length];
        batch.Entries.CopyTo(record[(length - batch.Entries.Length)..]);
        FrameBatch(record, round, sequence, batch);
        return length;
    }

    /// <summary>Headers and CRC around entries already in place at the end of <paramref name="record"/>.</summary>
    private static void FrameBatch(Span<byte> record, uint round, ulong sequence, in EncodedBatch batch)
    {
        var payload = record.Slice(RecordFrame.HeaderLength, batch.PayloadLength);
        PageBatch.EmitHeader(payload, round, sequence, batch.Count);
        if (batch.IsPacked) PackedBatch.EmitHeader(payload, batch.PackedMethod, batch.PlainLength, batch.PackedLength);
        RecordFrame.Emit(record, batch.IsPacked ? RecordType.PackedBatch : RecordType.PageBatch, payload);
    }

    public void WriteHeader(in StreamHeader header)
    {
        var span = Begin(StreamHeader.Length);
        header.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.StreamHeader, StreamHeader.Length);
    }

    public void WriteEndOfRound(in EndOfRound record)
    {
        var span = Begin(EndOfRound.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.EndOfRound, EndOfRound.Length);
    }

    /// <summary>
    /// One chunk of the device state (sec 3.4): <paramref name="data"/>, 1 to <see cref="DeviceStateChunk.MaxData"/>
    /// octets, at <paramref name="offset"/> in a device state of <paramref name="total"/> octets.
    /// </summary>
    public void WriteDeviceStateChunk(long offset, long total, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data.Length > DeviceStateChunk.MaxData || offset < 0 || offset + data.Length > total)
            throw new ArgumentException($"a device-state chunk of {data.Length} octets at {offset} of {total}", nameof(data));
        int length = DeviceStateChunk.HeaderLength + data.Length;
        var span = Begin(length);
        var payload = span.Slice(RecordFrame.HeaderLength, length);
        DeviceStateChunk.EmitHeader(payload, offset, total);
        data.CopyTo(payload[DeviceStateChunk.HeaderLength..]);
        End(span, RecordType.DeviceState, length);
    }

    /// <summary>The octets a device state of <paramref name="length"/> octets takes on the wire, in chunks of the most data each (0 when empty).</summary>
    public static long DeviceStateRecordBytes(long length) =>
        length + (length + DeviceStateChunk.MaxData - 1) / DeviceStateChunk.MaxData * (RecordFrame.HeaderLength + DeviceStateChunk.HeaderLength);

    public void WriteEndOfStream(in EndOfStream record)
    {
        var span = Begin(EndOfStream.Length);
        record.Emit(span[RecordFrame.HeaderLength..]);
        End(span, RecordType.EndOfStream, EndOfStream.Length);
    }

    public void WriteCommit() => End(Begin(0), RecordType.Commit, 0);

    /// <summary>Abort (sec 3.8): the source gives the migration up and keeps the VM; the payload is laid out as an error record.</summary>
    public void WriteAbort(in ErrorRecord record)
    {
        int length = record.Length;
        var span = Begin(length);
        record.Emit(span.Slice(RecordFrame.HeaderLength, length));
        End(span, RecordType.Abort, length);
    }

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
        _space = default;
        Output.Write(record);
        BytesWritten += record.Length;
    }

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => Output.FlushAsync(cancellationToken);

    private Span<byte> Begin(int payloadLength)
    {
        _space = default;
        return Output.GetSpan(RecordFrame.HeaderLength + payloadLength)[..(RecordFrame.HeaderLength + payloadLength)];
    }

    private void End(Span<byte> record, RecordType type, int payloadLength)
    {
        RecordFrame.Emit(record, type, record.Slice(RecordFrame.HeaderLength, payloadLength));
        Output.Advance(RecordFrame.HeaderLength + payloadLength);
        BytesWritten += RecordFrame.HeaderLength + payloadLength;
    }
}
