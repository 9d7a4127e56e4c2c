using System.Security.Cryptography;
using NetMobility.Capture;
using NetMobility.Links;
using NetMobility.Tests.Interop;

namespace NetMobility.Tests.Testbed.Tcp;

/// <summary>The endpoint's segments as Wireshark reads them: real TCP, and tshark's own analysis agrees with the counters.</summary>
public sealed class TcpCaptureTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("netmob-tcp-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_lossy_transfer_opens_in_tshark_with_no_problem_and_the_same_retransmissions_and_duplicate_acks()
    {
        var path = Path.Combine(_dir.FullName, "lossy.pcap");
        var data = TcpPair.RandomBytes(1 << 20, 12);
        long retransmitted, dupAcks, rtos, fastRetransmits;
        using (var capture = CaptureSink.Create(path, CaptureFormat.Pcap))
        {
            var lossy = new ImpairmentOptions { Latency = TimeSpan.FromMilliseconds(10), BandwidthBitsPerSecond = 50_000_000, Loss = 0.02, Seed = 3 };
            var pair = new TcpPair(lossy, lossy with { Seed = 4 }, capture: capture);
            var (sender, sink) = pair.StartTransfer(data);
            pair.RunUntil(() => sink.Finished && sender.State is NetMobility.Testbed.Tcp.TcpState.TimeWait or NetMobility.Testbed.Tcp.TcpState.Closed, TimeSpan.FromMinutes(5));
            Assert.Equal(SHA256.HashData(data), sink.Digest);
            retransmitted = sender.Counters.SegmentsRetransmitted;
            dupAcks = sender.Counters.DupAcksReceived;
            rtos = sender.Counters.RtosFired;
            fastRetransmits = sender.Counters.FastRetransmits;
        }
        Assert.True(fastRetransmits > 0 && retransmitted > 0, $"{fastRetransmits} fast retransmits, {retransmitted} retransmissions");

        int Count(string filter) => Tshark.Run("-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                "-Y", filter, "-T", "fields", "-e", "frame.number")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.True(Count("tcp") > 1000);
        // Retransmissions and duplicate ACKs are notes (PI_NOTE); nothing may be malformed, a warning (PI_WARN, 0x00600000) or an
        // error, except tshark's "out-of-order" guess: a resend that leaves less than its RTT estimate after the highest segment
        // is called out-of-order, not a retransmission. Captured at the sender, which never reorders, it is a retransmission.
        const string problem = "_ws.malformed || (_ws.expert.severity >= 0x00600000 && !tcp.analysis.out_of_order) || !(tcp || arp)";
        const string resent = "tcp.srcport == 49152 && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order)";
        Assert.True(Count(problem) == 0, Tshark.Run("-r", path, "-Y", problem, "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message", "-e", "tcp.flags.str"));
        Assert.Equal(retransmitted, Count(resent));
        Assert.Equal(dupAcks, Count("tcp.dstport == 49152 && tcp.analysis.duplicate_ack"));
        Assert.Equal(0, Count("tcp.analysis.spurious_retransmission || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment"));
        Assert.True(rtos + fastRetransmits > 0);
    }
}
