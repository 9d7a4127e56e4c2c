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

    private CaptureOutput(TimeProvider clock, PcapngWriter? pcapng, PcapWriter? pcap)
    {
        _clock = clock;
        _pcapng = pcapng;
        _pcap = pcap;
    }

    public long FramesWritten { get; private set; }

    /// <summary>Creates <paramref name="path"/>; a path that is neither .pcap nor .pcapng, or pcap for interfaces of mixed link types, is a <see cref="ReplayException"/>.</summary>
    public static CaptureOutput Create(string path, IReadOnlyList<ReplayInterface> interfaces, TimeProvider clock)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".pcapng")
        {
            var writer = PcapngWriter.Create(path, "netmob replay");
            foreach (var i in interfaces) writer.AddInterface(i.LinkType, name: i.Name);
            return new CaptureOutput(clock, writer, null);
        }
        if (extension != ".pcap") throw new ReplayException($"{path}: the output must end in .pcap or .pcapng");
        var linkType = interfaces.Count > 0 ? interfaces[0].LinkType : LinkType.Ethernet;
        foreach (var i in interfaces)
            if (i.LinkType != linkType)
                throw new ReplayException($"{path}: interfaces {interfaces[0].Name} ({linkType}) and {i.Name} ({i.LinkType}) differ in link type, which pcap cannot hold: write .pcapng");
        return new CaptureOutput(clock, null, PcapWriter.Create(path, linkType));
    }

    public void Write(int interfaceIndex, ReadOnlySpan<byte> frame)
    {
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
