namespace NetMobility.Capture;

/// <summary>
/// What a capture says about the interface its packets came from: pcap has one per file (from the
/// file header), pcapng one per Interface Description Block, numbered from 0 within each section.
/// </summary>
/// <param name="SnapLength">The most bytes kept of any packet; 0 means no limit (pcapng draft sec 4.2).</param>
/// <param name="Resolution">The unit of the raw timestamps (if_tsresol; microseconds when absent).</param>
/// <param name="TimestampOffsetSeconds">Seconds added to every raw timestamp (pcapng if_tsoffset; 0 when absent).</param>
/// <param name="Name">The if_name option, when present.</param>
public sealed record CaptureInterface(
    LinkType LinkType,
    uint SnapLength,
    TimestampResolution Resolution,
    long TimestampOffsetSeconds = 0,
    string? Name = null);
