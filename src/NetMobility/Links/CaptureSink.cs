using NetMobility.Capture;

namespace NetMobility.Links;

/// <summary>
/// Where <see cref="CaptureLink"/>s write their frames: one pcap or pcapng file that several links may
/// share. In pcapng each link gets its own interface (named after the link); a pcap file has one link
/// type, so the frames of every link are merged into it. Not thread-safe: the links writing to it run on
/// one <see cref="EventLoop"/>. Disposing flushes and closes the file.
/// </summary>
public sealed class CaptureSink : IDisposable
{
    private readonly PcapWriter? _pcap;
    private readonly PcapngWriter? _pcapng;

    private CaptureSink(PcapWriter? pcap, PcapngWriter? pcapng)
    {
        _pcap = pcap;
        _pcapng = pcapng;
    }

    public static CaptureSink Create(string path, CaptureFormat format) => format switch
    {
        CaptureFormat.Pcap => new CaptureSink(PcapWriter.Create(path, LinkType.Ethernet), null),
        CaptureFormat.Pcapng => new CaptureSink(null, PcapngWriter.Create(path, "netmob")),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a capture format"),
    };

    public static CaptureSink Create(Stream stream, CaptureFormat format, bool leaveOpen = false) => format switch
    {
        CaptureFormat.Pcap => new CaptureSink(new PcapWriter(stream, LinkType.Ethernet, leaveOpen: leaveOpen), null),
        CaptureFormat.Pcapng => new CaptureSink(null, new PcapngWriter(stream, "netmob", leaveOpen)),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a capture format"),
    };

    public CaptureFormat Format => _pcap is null ? CaptureFormat.Pcapng : CaptureFormat.Pcap;

    public long FramesWritten => _pcap?.RecordsWritten ?? _pcapng!.RecordsWritten;

    /// <summary>Registers a link; returns the interface ID its frames are written under (always 0 in pcap).</summary>
    internal int AddLink(string name) => _pcapng?.AddInterface(LinkType.Ethernet, name: name) ?? 0;

    internal void Write(int interfaceId, DateTimeOffset timestamp, ReadOnlySpan<byte> frame)
    {
        if (_pcap is not null) _pcap.Write(timestamp, frame);
        else _pcapng!.Write(interfaceId, timestamp, frame);
    }

    public void Flush()
    {
        _pcap?.Flush();
        _pcapng?.Flush();
    }

    public void Dispose()
    {
        _pcap?.Dispose();
        _pcapng?.Dispose();
    }
}
