using NetMobility.Capture;
using NetMobility.Runtime;
using NetMobility.Tests.Interop;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>What the endpoints send, decoded by tshark: every okey/oseq/ocsum combination, gretap, IP-in-IP and minimal encapsulation.</summary>
public class GreTsharkTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;

    private static string Write(IEnumerable<byte[]> packets)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("netmob-gre-").FullName, "sent.pcap");
        using (var writer = PcapWriter.Create(path, LinkType.RawIpv4))
        {
            long t = 1_700_000_000_000_000_000;
            foreach (var p in packets) writer.Write(t += 1_000_000, p);
        }
        return path;
    }

    [Fact]
    public void Tshark_reads_key_sequence_and_checksum_as_configured_for_every_combination()
    {
        var packets = new List<byte[]>();
        var expected = new List<(bool Key, bool Seq, bool Csum, int Sequence)>();
        for (int bits = 0; bits < 8; bits++)
        {
            bool key = (bits & 4) != 0, seq = (bits & 2) != 0, csum = (bits & 1) != 0;
            var host = new RecordingHost();
            using var tunnel = new GreTunnel(new GreTunnelOptions { Local = A, Remote = B, OutputKey = key ? 0x01020304u + (uint)bits : null, OutputSequence = seq, OutputChecksum = csum },
                new ManualTimeProvider(), host);
            for (int i = 0; i < 3; i++)
            {
                tunnel.Send(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, i, 40 + bits));
                expected.Add((key, seq, csum, i));
            }
            packets.AddRange(host.Transmitted);
        }
        string path = Write(packets);

        var frames = Tshark.Fields(path, ["gre.flags.key", "gre.flags.sequence_number", "gre.flags.checksum", "gre.key", "gre.sequence_number", "gre.checksum.status", "gre.proto", "icmp.seq"]);
        Assert.Equal(expected.Count, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            var (key, seq, csum, sequence) = expected[i];
            var f = frames[i];
            Assert.Equal(key ? "1" : "0", f["gre.flags.key"][0]);
            Assert.Equal(seq ? "1" : "0", f["gre.flags.sequence_number"][0]);
            Assert.Equal(csum ? "1" : "0", f["gre.flags.checksum"][0]);
            Assert.Equal(key ? [(0x01020304 + i / 3).ToString()] : null, f.GetValueOrDefault("gre.key"));
            Assert.Equal(seq ? [sequence.ToString()] : null, f.GetValueOrDefault("gre.sequence_number"));
            // Wireshark's checksum status: 1 is "Good".
            Assert.Equal(csum ? ["1"] : null, f.GetValueOrDefault("gre.checksum.status"));
            Assert.Equal("2048", f["gre.proto"][0]);
            Assert.Equal(sequence.ToString(), f["icmp.seq"][0]);
        }
        Assert.Empty(Tshark.Problems(path));
    }

    [Fact]
    public void Tshark_reads_gretap_ip_in_ip_and_minimal_encapsulation()
    {
        var host = new RecordingHost();
        using var gretap = new GreTunnel(new GreTunnelOptions { Local = A, Remote = B, Mode = GreMode.Ethernet, OutputKey = 5 }, new ManualTimeProvider(), host);
        gretap.Send(TestPackets.Frame(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 20)));
        using var ipip = new IpInIpTunnel(new IpInIpTunnelOptions { Local = A, Remote = B, Ttl = 9 }, host);
        ipip.Send(TestPackets.Echo(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), 2, 20));
        using var minimal = new MinimalEncapsulationTunnel(new MinimalEncapsulationOptions { Local = A, Remote = B }, host);
        minimal.Send(TestPackets.Echo(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), 3, 20));
        string path = Write(host.Transmitted);

        var frames = Tshark.Fields(path, ["ip.proto", "ip.ttl", "gre.proto", "gre.key", "eth.src", "ip.src", "icmp.seq"]);
        Assert.Equal(3, frames.Count);
        Assert.Equal(["47", "1"], frames[0]["ip.proto"]);
        Assert.Equal("25944", frames[0]["gre.proto"][0]);
        Assert.Equal("5", frames[0]["gre.key"][0]);
        Assert.Equal("02:00:00:00:00:01", frames[0]["eth.src"][0]);
        Assert.Equal(["4", "1"], frames[1]["ip.proto"]);
        Assert.Equal(["9", "64"], frames[1]["ip.ttl"]);
        Assert.Equal(["192.0.2.1", "10.0.0.1"], frames[1]["ip.src"]);
        Assert.Equal("2", frames[1]["icmp.seq"][0]);
        Assert.Equal(["55"], frames[2]["ip.proto"]);
        Assert.Empty(Tshark.Problems(path));
    }
}
