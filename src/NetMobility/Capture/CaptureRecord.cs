namespace NetMobility.Capture;

/// <summary>
/// One captured packet as a reader delivers it. <see cref="Data"/> points into the reader's own
/// buffer: it stays valid only until the next read on the same reader (or its disposal). Copy it
/// (<c>Data.ToArray()</c>) to keep it longer.
/// </summary>
public readonly struct CaptureRecord
{
    public CaptureRecord(long timestampNanoseconds, long originalLength, ReadOnlyMemory<byte> data, int interfaceIndex, LinkType linkType, bool exceedsSnapLength = false) =>
        (TimestampNanoseconds, OriginalLength, Data, InterfaceIndex, LinkType, ExceedsSnapLength) =
            (timestampNanoseconds, originalLength, data, interfaceIndex, linkType, exceedsSnapLength);

    /// <summary>
    /// Nanoseconds since 1970-01-01T00:00:00Z, at the full precision the file holds; 0 for a pcapng
    /// Simple Packet Block, which carries no timestamp.
    /// </summary>
    public long TimestampNanoseconds { get; }

    /// <summary>The length of the packet on the wire; larger than <see cref="Data"/> when the capture cut it at the snap length.</summary>
    public long OriginalLength { get; }

    /// <summary>The captured bytes, valid until the next read (see the type's remarks).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The interface the packet was captured on: 0 in pcap, the section's Interface ID in pcapng.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The link-layer header type of <see cref="Data"/>.</summary>
    public LinkType LinkType { get; }

    /// <summary>
    /// The record holds more bytes than its file (pcap) or interface (pcapng) says any record holds. Readers such
    /// as Wireshark's take such a record as it is, and so does this one: the bytes are delivered, and this says so.
    /// </summary>
    public bool ExceedsSnapLength { get; }

    /// <summary>The timestamp as a <see cref="DateTimeOffset"/>, rounded down to its 100 ns tick.</summary>
    public DateTimeOffset Timestamp => CaptureTime.ToDateTimeOffset(TimestampNanoseconds);
}
