namespace NetMobility.Migration.PageStream;

/// <summary>Page-stream record types (docs/page-stream.md). Values below 0x80 flow source -> destination, the rest back.</summary>
public enum RecordType : byte
{
    StreamHeader = 0x01,
    PageBatch = 0x02,
    EndOfRound = 0x03,
    DeviceState = 0x04,
    EndOfStream = 0x05,
    /// <summary>Source -> destination after Ready: the source has released the VM; the destination may run it.</summary>
    Commit = 0x06,
    /// <summary>A page batch whose compressible pages travel as one compressed block (docs/page-stream.md sec 3.7).</summary>
    PackedBatch = 0x07,
    /// <summary>Source -> destination before Commit: the source gives the migration up and keeps the VM (docs/page-stream.md sec 3.8).</summary>
    Abort = 0x08,
    /// <summary>The hypervisor stream relay's first record on every connection (docs/page-stream.md sec 9.2).</summary>
    HypervisorStreamHeader = 0x09,
    /// <summary>A chunk of a hypervisor's opaque migration stream at its offset (docs/page-stream.md sec 9.3).</summary>
    HypervisorChunk = 0x0A,
    /// <summary>The hypervisor's stream ended at this length (docs/page-stream.md sec 9.4).</summary>
    HypervisorStreamEnd = 0x0B,

    Ack = 0x81,
    Ready = 0x82,
    Error = 0x83,
    /// <summary>Destination -> source after Commit: the VM runs at the destination.</summary>
    Resumed = 0x84,
    /// <summary>Destination -> source on the hypervisor stream relay: the octets delivered so far (docs/page-stream.md sec 9.5).</summary>
    HypervisorAck = 0x85,
}

public static class RecordTypes
{
    public static bool IsForward(RecordType type) => type is >= RecordType.StreamHeader and <= RecordType.Abort;
    public static bool IsReturn(RecordType type) => type is >= RecordType.Ack and <= RecordType.Resumed;
}
