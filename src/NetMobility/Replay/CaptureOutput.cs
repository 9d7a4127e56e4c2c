using NetMobility.Capture;

namespace NetMobility.Replay;

/// <summary>
/// The capture a replay writes: pcapng (one interface description per replay interface, named and typed as
/// it is) or classic pcap (one link type for all, frames of every interface in one sequence), chosen by the
/// file's extension. Each frame is stamped with the virtual clock's time when it is written.
/// </summary>
public sealed class CaptureOutput : IReplayOutput, IDisposable
{
    private readonly TimeProvider _clock;
    private readonly PcapngWriter? _pcapng;
    private readonly PcapWriter? _pcap;
    private readonly string _path;
    private readonly Stream _stream;
    private readonly long _maxBytes;

    private CaptureOutput(string path, Stream stream, long maxBytes, TimeProvider clock, PcapngWriter? pcapng, PcapWriter? pcap)
    {
        _path = path;
        _stream = stream;
        _maxBytes = maxBytes;
        _clock = clock;
        _pcapng = pcapng;
        _pcap = pcap;
    }

    public long FramesWritten { get; private set; }

    /// <summary>
    /// The format <paramref name="path"/> asks for: a path that is neither .pcap nor .pcapng, or pcap for interfaces
    /// of mixed link types, is a <see cref="ReplayException"/>. Checked before anything is written.
    /// </summary>
    public static CaptureFormat FormatFor(string path, IReadOnlyList<ReplayInterface> interfaces)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".pcapng") return CaptureFormat.Pcapng;
        if (extension != ".pcap") throw new ReplayException($"{path}: the output must end in .pcap or .pcapng");
        foreach (var i in interfaces)
            if (i.LinkType != interfaces[0].LinkType)
                throw new ReplayException($"{path}: interfaces {interfaces[0].Name} ({interfaces[0].LinkType}) and {i.Name} ({i.LinkType}) differ in link type, which pcap cannot hold: write .pcapng");
        return CaptureFormat.Pcap;
    }

    /// <summary>
    /// Writes the capture <paramref name="path"/> asks for (<see cref="FormatFor"/>) to <paramref name="stream"/>, which
    /// stays open. A frame that would take the capture past <paramref name="maxBytes"/> is a <see cref="ReplayException"/>.
    /// </summary>
    public static CaptureOutput Create(string path, Stream stream, long maxBytes, IReadOnlyList<ReplayInterface> interfaces, TimeProvider clock)
    {
        if (FormatFor(path, interfaces) == CaptureFormat.Pcapng)
        {
            var writer = new PcapngWriter(stream, "netmob replay", leaveOpen: true);
            foreach (var i in interfaces) writer.AddInterface(i.LinkType, name: i.Name);
            return new CaptureOutput(path, stream, maxBytes, clock, writer, null);
        }
        var linkType = interfaces.Count > 0 ? interfaces[0].LinkType : LinkType.Ethernet;
        return new CaptureOutput(path, stream, maxBytes, clock, null, new PcapWriter(stream, linkType, leaveOpen: true));
    }

    public void Write(int interfaceIndex, ReadOnlySpan<byte> frame)
    {
        // A record costs at most 32 octets besides the frame and its padding (a pcapng enhanced packet block).
        if (_stream.Position + frame.Length + 36 > _maxBytes)
            throw new ReplayException($"{_path}: the output would pass {_maxBytes} bytes at frame {FramesWritten + 1} out; " +
                                      "\"maxOutputBytes\" in the configuration raises the bound if that much is meant");
        var now = _clock.GetUtcNow();
        if (_pcapng is not null) _pcapng.Write(interfaceIndex, now, frame);
        else _pcap!.Write(now, frame);
        FramesWritten++;
    }

    public void Dispose()
    {
        _pcapng?.Dispose();
        _pcap?.Dispose();
    }
}
