using NetMobility.Migration.PageStream;

namespace NetMobility.Tests.Migration.Relay;

/// <summary>Hypervisor stream relay records, framed, for tests to feed a reader.</summary>
internal static class RelayRecords
{
    public static byte[] Frame(RecordType type, ReadOnlySpan<byte> payload)
    {
        var record = new byte[RecordFrame.HeaderLength + payload.Length];
        payload.CopyTo(record.AsSpan(RecordFrame.HeaderLength));
        RecordFrame.Emit(record, type, record.AsSpan(RecordFrame.HeaderLength));
        return record;
    }

    public static byte[] Header(Guid token, bool resume = false)
    {
        var payload = new byte[HypervisorStreamHeader.Length];
        new HypervisorStreamHeader(token, resume).Emit(payload);
        return Frame(RecordType.HypervisorStreamHeader, payload);
    }

    public static byte[] Chunk(long offset, ReadOnlySpan<byte> data)
    {
        var payload = new byte[HypervisorChunk.HeaderLength + data.Length];
        HypervisorChunk.EmitHeader(payload, offset);
        data.CopyTo(payload.AsSpan(HypervisorChunk.HeaderLength));
        return Frame(RecordType.HypervisorChunk, payload);
    }

    public static byte[] End(long length)
    {
        var payload = new byte[HypervisorStreamEnd.Length];
        new HypervisorStreamEnd(length).Emit(payload);
        return Frame(RecordType.HypervisorStreamEnd, payload);
    }

    public static byte[] Concat(params byte[][] records) => records.SelectMany(r => r).ToArray();
}
