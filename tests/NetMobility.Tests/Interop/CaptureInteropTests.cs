using NetMobility.Capture;
using NetMobility.Tests.Capture;

namespace NetMobility.Tests.Interop;

/// <summary>Our files read by Wireshark, and Wireshark's files read by us.</summary>
public sealed class CaptureInteropTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("netmob-interop-");

    private static readonly (long Nanoseconds, byte[] Frame)[] EthernetFrames =
    [
        (1_700_000_000_123_456_789L, TestFrames.ArpRequest),
        (1_700_000_000_223_456_789L, TestFrames.ArpReply),
        (1_700_000_001_000_000_001L, TestFrames.GratuitousArp),
    ];

    private static readonly (long Nanoseconds, byte[] Packet)[] Ipv4Packets =
    [
        (1_700_000_002_500_000_000L, TestFrames.Ipv4Udp),
        (1_700_000_003_000_000_123L, TestFrames.Ipv4EchoRequest),
        (1_700_000_003_000_999_999L, TestFrames.Ipv4EchoReply),
    ];

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static string Epoch(long nanoseconds) => $"{nanoseconds / 1_000_000_000}.{nanoseconds % 1_000_000_000:D9}";

    private string WritePcap(string name, LinkType linkType, (long, byte[])[] frames, TimestampResolution resolution)
    {
        var path = PathOf(name);
        using var writer = PcapWriter.Create(path, linkType, resolution);
        foreach (var (ns, frame) in frames) writer.Write(ns, frame);
        return path;
    }

    /// <summary>Both link types on two interfaces of one pcapng, in time order.</summary>
    private string WritePcapng(string name)
    {
        var path = PathOf(name);
        using var writer = PcapngWriter.Create(path, "netmob interop test");
        int eth = writer.AddInterface(LinkType.Ethernet, name: "home0");
        int tun = writer.AddInterface(LinkType.RawIpv4, 65535, "gre0", TimestampResolution.Microseconds);
        foreach (var (ns, frame) in EthernetFrames) writer.Write(eth, ns, frame);
        foreach (var (ns, packet) in Ipv4Packets) writer.Write(tun, ns, packet);
        return path;
    }

    /// <summary>tshark's view: one line per frame with its number, epoch time, and any malformed or expert entry.</summary>
    private static string[][] TsharkFields(string path)
    {
        string output = Tshark.Run("-r", path, "-T", "fields",
            "-e", "frame.number", "-e", "frame.time_epoch", "-e", "_ws.malformed", "-e", "_ws.expert");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToArray();
    }

    private static void AssertTsharkSees(string path, IReadOnlyList<long> timestamps)
    {
        var lines = TsharkFields(path);
        Assert.Equal(timestamps.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal([(i + 1).ToString(), Epoch(timestamps[i]), "", ""], lines[i]);
        }
    }

    [Fact]
    public void Tshark_reads_our_nanosecond_pcaps_with_exact_times_and_nothing_malformed()
    {
        AssertTsharkSees(WritePcap("eth.pcap", LinkType.Ethernet, EthernetFrames, TimestampResolution.Nanoseconds),
            EthernetFrames.Select(f => f.Nanoseconds).ToArray());
        AssertTsharkSees(WritePcap("raw.pcap", LinkType.RawIpv4, Ipv4Packets, TimestampResolution.Nanoseconds),
            Ipv4Packets.Select(f => f.Nanoseconds).ToArray());
    }

    [Fact]
    public void Tshark_reads_our_microsecond_pcap_with_times_cut_to_the_microsecond()
    {
        AssertTsharkSees(WritePcap("eth-us.pcap", LinkType.Ethernet, EthernetFrames, TimestampResolution.Microseconds),
            EthernetFrames.Select(f => f.Nanoseconds / 1000 * 1000).ToArray());
    }

    [Fact]
    public void Tshark_reads_our_pcapng_with_two_interfaces()
    {
        var path = WritePcapng("both.pcapng");
        AssertTsharkSees(path, EthernetFrames.Select(f => f.Nanoseconds)
            .Concat(Ipv4Packets.Select(p => p.Nanoseconds / 1000 * 1000)).ToArray());

        // And decodes each frame on the right interface as the right protocol.
        var lines = Tshark.Run("-r", path, "-T", "fields", "-e", "frame.interface_id", "-e", "frame.interface_name",
                "-e", "frame.protocols", "-e", "arp.src.proto_ipv4", "-e", "ip.dst")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "0\thome0\teth:ethertype:arp\t10.0.0.1\t",
                "0\thome0\teth:ethertype:arp\t10.0.0.2\t",
                "0\thome0\teth:ethertype:arp\t10.0.0.3\t",
                "1\tgre0\tip:udp:data\t\t192.0.2.7",
                "1\tgre0\tip:icmp:data\t\t192.0.2.7",
                "1\tgre0\tip:icmp:data\t\t10.0.0.1",
            ],
            lines);
    }

    [Fact]
    public void We_read_a_pcapng_that_editcap_converted_from_our_pcap()
    {
        var pcap = WritePcap("eth.pcap", LinkType.Ethernet, EthernetFrames, TimestampResolution.Nanoseconds);
        var pcapng = PathOf("editcap.pcapng");
        Tshark.RunTool(Tshark.EditcapPath, "-F", "pcapng", pcap, pcapng);

        using var reader = CaptureReader.Open(pcapng);
        Assert.Equal(CaptureFormat.Pcapng, reader.Format);
        foreach (var (ns, frame) in EthernetFrames)
        {
            Assert.True(reader.Read(out var r));
            Assert.Equal((ns, LinkType.Ethernet, 0, (long)frame.Length), (r.TimestampNanoseconds, r.LinkType, r.InterfaceIndex, r.OriginalLength));
            Assert.Equal(Hex.Of(frame), Hex.Of(r.Data.Span));
        }
        Assert.False(reader.Read(out _));
        Assert.Equal(TimestampResolution.Nanoseconds, Assert.Single(reader.Interfaces).Resolution);
    }

    [Fact]
    public void We_read_a_pcapng_that_mergecap_built_from_two_of_our_pcaps()
    {
        var eth = WritePcap("eth.pcap", LinkType.Ethernet, EthernetFrames, TimestampResolution.Microseconds);
        var raw = WritePcap("raw.pcap", LinkType.RawIpv4, Ipv4Packets, TimestampResolution.Nanoseconds);
        var merged = PathOf("merged.pcapng");
        Tshark.RunTool(Tshark.MergecapPath, "-F", "pcapng", "-w", merged, raw, eth);

        using var reader = CaptureReader.Open(merged);
        var expected = EthernetFrames.Select(f => (Ns: f.Nanoseconds / 1000 * 1000, Link: LinkType.Ethernet, Data: f.Frame))
            .Concat(Ipv4Packets.Select(p => (Ns: p.Nanoseconds, Link: LinkType.RawIpv4, Data: p.Packet)));
        foreach (var e in expected)
        {
            Assert.True(reader.Read(out var r));
            Assert.Equal((e.Ns, e.Link), (r.TimestampNanoseconds, r.LinkType));
            Assert.Equal(reader.Interfaces[r.InterfaceIndex].LinkType, r.LinkType);
            Assert.Equal(Hex.Of(e.Data), Hex.Of(r.Data.Span));
        }
        Assert.False(reader.Read(out _));
        Assert.Equal(2, reader.Interfaces.Count);
    }

    [Fact]
    public void We_read_a_pcapng_that_tshark_rewrote_from_our_pcapng()
    {
        var ours = WritePcapng("ours.pcapng");
        var theirs = PathOf("tshark.pcapng");
        Tshark.Run("-r", ours, "-w", theirs, "-F", "pcapng");

        using var original = CaptureReader.Open(ours);
        using var rewritten = CaptureReader.Open(theirs);
        int count = 0;
        while (original.Read(out var a))
        {
            Assert.True(rewritten.Read(out var b));
            Assert.Equal((a.TimestampNanoseconds, a.InterfaceIndex, a.LinkType, a.OriginalLength), (b.TimestampNanoseconds, b.InterfaceIndex, b.LinkType, b.OriginalLength));
            Assert.Equal(Hex.Of(a.Data.Span), Hex.Of(b.Data.Span));
            count++;
        }
        Assert.False(rewritten.Read(out _));
        Assert.Equal(6, count);
        Assert.Equal(original.Interfaces.Select(i => (i.LinkType, i.Resolution, i.Name)), rewritten.Interfaces.Select(i => (i.LinkType, i.Resolution, i.Name)));
    }
}
