using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Wire;

namespace NetMobility.Tests.Lab;

/// <summary>
/// The AF_PACKET and libpcap links on a veth pair (see <see cref="VethPair"/>): the Linux kernel (10.9.1.2/24) on one
/// end, our node (10.9.1.1) on the other, driven by a <see cref="RealTimeLoop"/>. Every wait is on an event with a bound.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class InterfaceLinkTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly MacAddress OurMac = MacAddress.Parse("02:4e:4d:00:01:01");
    private static readonly Ipv4Address OurAddress = Ipv4Address.Parse("10.9.1.1");
    private static readonly Ipv4Address KernelAddress = Ipv4Address.Parse("10.9.1.2");

    /// <summary>packet: AF_PACKET through its TPACKET_V3 ring; packet-recvmmsg: the same socket read with recvmmsg(2); pcap: libpcap.</summary>
    public static TheoryData<string> Kinds => new() { "packet", "packet-recvmmsg", "pcap" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_kernel_and_our_node_ping_each_other_over_the_veth(string kind)
    {
        LabPrerequisites.Require();
        using var veth = new VethPair($"{KernelAddress}/24");
        var loop = new RealTimeLoop();
        using var link = Open(kind, loop.Loop, veth);
        var node = new Node(loop.Loop, "n1");
        node.AddInterface((IFrameLink)link, OurAddress, 24);
        var tester = new TestHost(node);
        var replied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.AddHook((ingress, packet) =>
        {
            if (packet.Protocol == IpProtocol.Icmp && Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _)
                && icmp.Type == Icmpv4Type.EchoReply)
                replied.TrySetResult();
            return false;
        });
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);

        // The kernel's ping: its ARP request, our node's ARP reply, its echo requests, our echo replies.
        var kernelPing = veth.Kernel.Run(Bound, "ping", "-c", "3", "-i", "0.2", "-W", "5", OurAddress.ToString());
        Assert.True(kernelPing.Succeeded, kernelPing.StandardOutput + kernelPing.StandardError);
        Assert.Contains("3 received", kernelPing.StandardOutput);
        Assert.Contains($"{OurAddress} lladdr {OurMac}", veth.Kernel.Neighbours(veth.KernelDevice));

        // Our node's ping: the kernel's echo reply comes back through the link to the node's hook, then its TestHost.
        Assert.True(await loop.InvokeAsync(() => tester.Ping(KernelAddress, 1)));
        await replied.Task.WaitAsync(Bound);
        var replies = await loop.InvokeAsync(() => tester.Replies.ToArray());
        Assert.Equal(KernelAddress, Assert.Single(replies).From);
        Assert.True(await loop.InvokeAsync(() => node.Counters.EchoRepliesSent) >= 3);
        Assert.Null(Fault(link));
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_kernel_datagram_sent_with_checksum_offload_reaches_the_node_with_its_checksum_completed()
    {
        LabPrerequisites.Require();
        using var veth = new VethPair($"{KernelAddress}/24");
        var loop = new RealTimeLoop();
        using var link = Open("packet", loop.Loop, veth);
        var node = new Node(loop.Loop, "n1");
        node.AddInterface((IFrameLink)link, OurAddress, 24);
        var checksumValid = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.AddHook((ingress, packet) =>
        {
            if (packet.Protocol == IpProtocol.Udp && UdpDatagram.TryCreate(packet.Payload, out _, out _))
                checksumValid.TrySetResult(UdpDatagram.TryCreate(packet.Payload, packet.Source, packet.Destination, ChecksumPolicy.Verify, out _, out _));
            return true;
        });
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);

        // A veth offloads the checksum: the kernel hands the frame over with only the pseudo-header's sum in it.
        using var socket = NetnsScope.Run(veth.Kernel.Name, () => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp));
        socket.SendTo(new byte[200], new System.Net.IPEndPoint(System.Net.IPAddress.Parse(OurAddress.ToString()), 9));
        Assert.True(await checksumValid.Task.WaitAsync(Bound), "the datagram's UDP checksum does not verify");
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Frames_we_send_reach_the_kernel_and_do_not_come_back_to_us(string kind)
    {
        LabPrerequisites.Require();
        using var veth = new VethPair($"{KernelAddress}/24");
        var loop = new RealTimeLoop();
        using var link = Open(kind, loop.Loop, veth);
        var frameLink = (IFrameLink)link;
        int ours = 0;
        var arpRequest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        frameLink.Receiver = frame =>
        {
            if (!EthernetFrame.TryCreate(frame, out var ethernet, out _)) return;
            if (ethernet.Source == OurMac) ours++;
            if (ethernet.EtherType == EtherType.Arp && ArpMessage.TryParse(ethernet.Payload, out var arp, out _, out _) && arp.TargetIp == OurAddress)
                arpRequest.TrySetResult();
        };
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        long before = veth.KernelReceived();

        const int Sent = 20;
        for (int i = 0; i < Sent; i++) Assert.True(await loop.InvokeAsync(() => frameLink.Send(Frame(100 + i))));
        // Nothing answers the kernel's ARP, so this ping fails; its ARP request comes after every frame we sent, so any
        // copy of our own frames would have reached the receiver before it.
        using var ping = veth.Kernel.Start("ping", "-c", "1", "-W", "10", OurAddress.ToString());
        await arpRequest.Task.WaitAsync(Bound);

        Assert.Equal(0, await loop.InvokeAsync(() => ours));
        Assert.Equal(Sent, frameLink.Counters.FramesSent);
        Assert.True(veth.KernelReceived() - before >= Sent, $"the kernel's end received {veth.KernelReceived() - before} frames");
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_deleted_interface_is_a_fault_and_a_missing_or_down_one_a_clear_refusal(string kind)
    {
        LabPrerequisites.Require();
        using var veth = new VethPair($"{KernelAddress}/24");
        var loop = new RealTimeLoop();
        var link = Open(kind, loop.Loop, veth);
        try
        {
            veth.Delete();
            Assert.StartsWith($"interface {veth.WireDevice} is gone", await Faulted(link).WaitAsync(Bound));
            Assert.Equal(await Faulted(link), Fault(link));
        }
        finally
        {
            link.Dispose();
        }

        var missing = Assert.Throws<InterfaceLinkException>(() => Open(kind, loop.Loop, veth));
        Assert.Equal(InterfaceLinkError.NotFound, missing.Error);
        Assert.Equal($"interface {veth.WireDevice} does not exist", missing.Message);

        veth.Add($"{KernelAddress}/24");
        veth.Wire.Ip("link", "set", "dev", veth.WireDevice, "down");
        var down = Assert.Throws<InterfaceLinkException>(() => Open(kind, loop.Loop, veth));
        Assert.Equal(InterfaceLinkError.InterfaceDown, down.Error);
        Assert.Equal($"interface {veth.WireDevice} is down", down.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_interface_taken_down_is_a_fault_that_says_so(string kind)
    {
        LabPrerequisites.Require();
        using var veth = new VethPair($"{KernelAddress}/24");
        var loop = new RealTimeLoop();
        using var link = Open(kind, loop.Loop, veth);
        veth.Wire.Ip("link", "set", "dev", veth.WireDevice, "down");
        Assert.StartsWith($"interface {veth.WireDevice} went down", await Faulted(link).WaitAsync(Bound));
    }

    [Fact]
    public void A_packet_link_refuses_an_interface_without_ethernet()
    {
        LabPrerequisites.Require();
        using var space = NetNamespace.Create("nmvl");
        var loop = new RealTimeLoop().Loop;
        var loopback = Assert.Throws<InterfaceLinkException>(() => NetnsScope.Run(space.Name, () => PacketLink.Open(loop, "lo", OurMac)));
        Assert.Equal(InterfaceLinkError.NotEthernet, loopback.Error);
        Assert.Equal("interface lo does not carry Ethernet frames", loopback.Message);
    }

    [Fact]
    public async Task A_pcap_filter_passes_only_what_it_names_and_a_bad_one_is_refused_with_libpcaps_words()
    {
        LabPrerequisites.Require();
        LabPrerequisites.RequirePcap();
        Assert.Null(PcapLink.CheckFilter("arp or icmp"));
        Assert.Contains("syntax error", PcapLink.CheckFilter("arp or or"));

        using var veth = new VethPair($"{KernelAddress}/24");
        var loop = new RealTimeLoop();
        var bad = Assert.Throws<InterfaceLinkException>(() => NetnsScope.Run(veth.Wire.Name, () => PcapLink.Open(loop.Loop, veth.WireDevice, OurMac, filter: "arp or or")));
        Assert.Equal(InterfaceLinkError.BadFilter, bad.Error);
        Assert.StartsWith($"interface {veth.WireDevice}: filter 'arp or or': ", bad.Message);

        // Only ARP passes: the node answers the kernel's ARP, never sees its echo requests, so the kernel's ping fails.
        using var link = NetnsScope.Run(veth.Wire.Name, () => PcapLink.Open(loop.Loop, veth.WireDevice, OurMac, filter: "arp"));
        var node = new Node(loop.Loop, "n1");
        node.AddInterface(link, OurAddress, 24);
        using var stop = new CancellationTokenSource();
        var running = loop.Start(stop.Token);
        var ping = veth.Kernel.Run(Bound, "ping", "-c", "2", "-i", "0.2", "-W", "1", OurAddress.ToString());
        Assert.Contains("0 received", ping.StandardOutput);
        Assert.Contains($"{OurAddress} lladdr {OurMac}", veth.Kernel.Neighbours(veth.KernelDevice));
        Assert.Equal(0, await loop.InvokeAsync(() => node.Counters.EchoRepliesSent));
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    private static IDisposable Open(string kind, EventLoop loop, VethPair veth)
    {
        if (kind == "pcap") LabPrerequisites.RequirePcap();
        return NetnsScope.Run<IDisposable>(veth.Wire.Name, () => kind switch
        {
            "packet" => Ring(PacketLink.Open(loop, veth.WireDevice, OurMac, ring: true), true),
            "packet-recvmmsg" => Ring(PacketLink.Open(loop, veth.WireDevice, OurMac), false),
            "pcap" => PcapLink.Open(loop, veth.WireDevice, OurMac),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a link kind"),
        });
    }

    private static PacketLink Ring(PacketLink link, bool expected)
    {
        Assert.Equal(expected, link.UsesRing);
        return link;
    }

    private static string? Fault(IDisposable link) => link switch
    {
        PacketLink packet => packet.Fault,
        PcapLink pcap => pcap.Fault,
        _ => throw new ArgumentOutOfRangeException(nameof(link)),
    };

    private static Task<string> Faulted(IDisposable link) => link switch
    {
        PacketLink packet => packet.Faulted,
        PcapLink pcap => pcap.Faulted,
        _ => throw new ArgumentOutOfRangeException(nameof(link)),
    };

    private static byte[] Frame(int payloadLength)
    {
        var frame = new byte[EthernetHeader.UntaggedLength + payloadLength];
        new EthernetHeader(MacAddress.Broadcast, OurMac, (EtherType)0x88B5).Emit(frame); // IEEE 802 local experimental EtherType
        return frame;
    }
}
