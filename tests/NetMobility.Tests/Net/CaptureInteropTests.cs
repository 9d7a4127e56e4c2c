using NetMobility.Capture;
using NetMobility.Links;
using NetMobility.Runtime;
using NetMobility.Tests.Interop;
using static NetMobility.Tests.Net.TwoRouters;

namespace NetMobility.Tests.Net;

/// <summary>Captures the project writes of its own traffic open in tshark (Debian's /usr/bin/tshark) with no malformed frame.</summary>
public class CaptureInteropTests
{
    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.Pcapng)]
    public void Captured_traffic_of_a_routed_topology_decodes_cleanly_in_tshark(CaptureFormat format)
    {
        string path = Path.Combine(Path.GetTempPath(), $"netmob-links-{Guid.NewGuid():N}.{(format == CaptureFormat.Pcap ? "pcap" : "pcapng")}");
        try
        {
            long written;
            CaptureLink? h1Capture = null;
            using (var sink = CaptureSink.Create(path, format))
            {
                // Capture at h1: everything h1 sends and receives, each frame once, on the simulation's clock.
                var sim = new Simulation();
                var net = new TwoRouters(wanMtu: 576, simulation: sim, wrapLan: link => link.Name.StartsWith("h1@", StringComparison.Ordinal)
                    ? h1Capture = new CaptureLink(sim.Clock, link, sink) : link);
                var flow = net.Host2.Listen(5001);
                net.Host1.Ping(H2Address, 1);                              // ARP, then echo and reply
                net.Sim.RunFor(TimeSpan.FromMilliseconds(10));
                net.Host1.Ping(H2Address, 2, dataLength: 1200);            // fragmented on the way, reassembled at h2
                net.Host1.Ping(H2Address, 3, timeToLive: 1);               // time exceeded from r1
                net.Host1.Ping(H2Address, 4, dataLength: 1200, dontFragment: true); // fragmentation needed
                net.H1.SendUdp(NetMobility.Wire.Ipv4Address.Any, H2Address, 5000, 9, "port 9 is closed"u8); // port unreachable
                net.Host1.SendNumbered(H2Address, 5001, 20, payloadLength: 300);
                net.Sim.RunFor(TimeSpan.FromSeconds(1));
                Assert.True(flow.IsCompleteAndInOrder(20, 300));
                written = sink.FramesWritten;
            }
            Assert.NotNull(h1Capture);

            // No malformed frame; the only expert warnings are the two tshark gives the deliberate TTL-1 probe:
            // on the probe itself and on its copy quoted in r1's time exceeded.
            var problems = Tshark.Problems(path);
            Assert.Equal(2, problems.Count);
            Assert.All(problems, p => Assert.EndsWith("\"Time To Live\" only 1", p));
            var frames = Tshark.Fields(path, ["frame.protocols", "icmp.type", "icmp.code", "icmp.mtu", "tcp.seq"]);
            Assert.Equal(written, frames.Count);
            var icmp = frames.Where(f => f.ContainsKey("icmp.type")).Select(f => (f["icmp.type"][0], f["icmp.code"][0])).ToList();
            Assert.Contains(("8", "0"), icmp);
            Assert.Contains(("0", "0"), icmp);
            Assert.Contains(("11", "0"), icmp);
            Assert.Contains(("3", "3"), icmp);
            Assert.Contains(("3", "4"), icmp);
            Assert.Contains(frames, f => f.TryGetValue("icmp.mtu", out var mtu) && mtu[0] == "576");
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (i * 300).ToString()), frames.Where(f => f.ContainsKey("tcp.seq")).Select(f => f["tcp.seq"][0]));
            Assert.Contains(frames, f => f["frame.protocols"][0].Contains("arp", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
