using System.Security.Cryptography;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Tunnels;
using static NetMobility.Tests.Lab.GreLab;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The Linux kernel's ICMP and TCP across our routers and our GRE tunnel (see <see cref="GreLab"/>): what the
/// kernel in one namespace sends, the kernel in the other receives, byte for byte, although the WAN under the
/// tunnel reorders frames.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class KernelTcpOverGreTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    // 3 ms each way; one frame in 50 skips the delay and overtakes those in flight, well inside the 64-deep,
    // 100 ms receive window.
    private static readonly ImpairmentOptions ReorderingWan = new()
    {
        Latency = TimeSpan.FromMilliseconds(3),
        Reordering = 0.02,
        Seed = 29,
    };

    [Fact]
    public void The_kernels_ping_each_other_across_the_tunnel()
    {
        LabPrerequisites.Require();
        using var lab = new GreLab(ReorderingWan);
        lab.Start();

        var ping = lab.A.Namespace.Run(Bound, "ping", "-c", "5", "-i", "0.05", "-W", "5", AddressB.ToString());

        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
        Assert.Contains("5 received", ping.StandardOutput);
    }

    [Fact]
    public async Task A_kernel_tcp_transfer_arrives_intact_through_the_sequenced_tunnel_over_a_reordering_wan()
    {
        LabPrerequisites.Require();
        var files = Directory.CreateTempSubdirectory("nmlab-");
        try
        {
            const int Length = 4 << 20;
            var data = new byte[Length];
            new Random(5).NextBytes(data);
            string sent = Path.Combine(files.FullName, "sent"), received = Path.Combine(files.FullName, "received");
            File.WriteAllBytes(sent, data);

            using var lab = new GreLab(ReorderingWan);
            lab.Start();
            // The receiver's 64 KiB buffer keeps the kernel's window, and so the packets in flight, well below the 256
            // decapsulated packets a tunnel interface queues for its node: when the loop falls behind (a busy machine)
            // the flight arrives in a lump, and it must not overflow that queue. The disorder left is the WAN's.
            using var listener = lab.B.Namespace.Start("socat", "-d", "-d", "-u", "TCP-LISTEN:5001,reuseaddr,rcvbuf=65536", $"OPEN:{received},creat,trunc");
            await listener.WaitForOutputAsync("listening on", Bound);

            var sender = lab.A.Namespace.Run(Bound, "socat", "-u", $"OPEN:{sent}", $"TCP:{AddressB}:5001");
            Assert.True(sender.Succeeded, sender.StandardError);
            Assert.Equal(0, await listener.WaitForExitAsync(Bound));

            Assert.Equal(SHA256.HashData(data), SHA256.HashData(File.ReadAllBytes(received)));

            var (out1, in2, held, dropped, gaps, wanReordered, fragmentationNeeded) = await lab.Loop.InvokeAsync(() =>
            {
                var gre1 = lab.Gre1.Endpoint.Counters;
                var gre2 = lab.Gre2.Endpoint.Counters;
                return (gre1.PacketsOut, gre2.PacketsIn, gre2.Reordered, gre1.TotalDropped + gre2.TotalDropped,
                    gre1.SequenceGaps + gre2.SequenceGaps, lab.Wan1.Reordered, lab.R1.Counters.Drops(NodeDrop.FragmentationNeeded));
            });
            // Every data segment crossed the tunnel: at least the bytes over the largest inner packet it takes.
            int fewestSegments = Length / lab.Gre1.Mtu;
            Assert.True(out1 >= fewestSegments, $"r1 encapsulated {out1} packets, fewer than {fewestSegments}");
            Assert.True(in2 >= fewestSegments, $"r2 decapsulated {in2} packets, fewer than {fewestSegments}");
            // The WAN did reorder, and r2's window put every packet back in order before the kernel saw it.
            Assert.True(wanReordered > 0, "the WAN reordered nothing");
            Assert.True(held > 0, "r2's receive window held no packet");
            string why = await lab.Loop.InvokeAsync(() => Diagnosis(lab));
            Assert.True(dropped == 0, $"the tunnel dropped {dropped} packets; {why}");
            Assert.True(gaps == 0, $"the windows gave up {gaps} sequence numbers; {why}");
            // The kernel's first full-sized segments (1500 bytes, DF) did not fit the tunnel (1500 less 32 of GRE with key
            // and sequence number, and outer IPv4): r1 answered fragmentation needed, and the kernel's path MTU discovery
            // (RFC 1191) shrank its segments.
            Assert.True(fragmentationNeeded > 0, "no segment was too big for the tunnel: path MTU discovery went unexercised");
        }
        finally
        {
            files.Delete(recursive: true);
        }
    }

    /// <summary>Where packets went missing, for a failure message: the WAN ends' counters and the tunnels' drops by reason.</summary>
    private static string Diagnosis(GreLab lab)
    {
        var text = new System.Text.StringBuilder($"WAN a: {lab.Wire.A.Counters}; WAN b: {lab.Wire.B.Counters}");
        foreach (var (name, counters) in new[] { ("gre r1", lab.Gre1.Endpoint.Counters), ("gre r2", lab.Gre2.Endpoint.Counters) })
        {
            text.Append($"; {name}: timer flushes {counters.TimerFlushes}, overflow flushes {counters.OverflowFlushes}");
            foreach (var reason in Enum.GetValues<TunnelDropReason>())
                if (counters.Dropped(reason) > 0) text.Append($", {reason} {counters.Dropped(reason)}");
        }
        return text.ToString();
    }
}
