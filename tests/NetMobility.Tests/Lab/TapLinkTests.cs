using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed;
using NetMobility.Tests.Interop;
using NetMobility.Wire;

namespace NetMobility.Tests.Lab;

/// <summary>
/// One TAP link between the Linux kernel, in a namespace of its own with 10.9.0.2/24, and our side (10.9.0.1),
/// driven by a <see cref="RealTimeLoop"/>. Every wait is on an event with a time bound.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class TapLinkTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly MacAddress OurMac = MacAddress.Parse("02:4e:4d:00:00:01");
    private static readonly Ipv4Address OurAddress = Ipv4Address.Parse("10.9.0.1");
    private static readonly Ipv4Address KernelAddress = Ipv4Address.Parse("10.9.0.2");

    [Fact]
    public async Task Frames_from_the_kernel_arrive_on_the_loop_and_frames_we_send_reach_the_kernel()
    {
        LabPrerequisites.Require();
        var loop = new RealTimeLoop();
        using var host = KernelHost.Create(loop.Loop, "nmlab", "10.9.0.2/24", gateway: null, OurMac);
        var link = host.Link;
        int loopThread = -1, receiverThread = -1;
        bool replySent = false;
        var arpRequest = new TaskCompletionSource<ArpMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var echoRequest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reply = new byte[EthernetHeader.UntaggedLength + ArpMessage.PacketLength];
        link.Receiver = frame =>
        {
            receiverThread = Environment.CurrentManagedThreadId;
            if (!EthernetFrame.TryCreate(frame, out var ethernet, out _)) return;
            if (ethernet.EtherType == EtherType.Arp && ArpMessage.TryParse(ethernet.Payload, out var arp, out _, out _)
                && arp.Opcode == ArpOpcode.Request && arp.TargetIp == OurAddress)
            {
                // Answer the kernel by hand: its neighbour entry for 10.9.0.1 can only come from this frame.
                new EthernetHeader(arp.SenderMac, OurMac, EtherType.Arp).Emit(reply);
                ArpMessage.Reply(OurMac, OurAddress, arp.SenderMac, arp.SenderIp).Emit(reply.AsSpan(EthernetHeader.UntaggedLength));
                replySent = link.Send(reply);
                arpRequest.TrySetResult(arp);
            }
            else if (ethernet.EtherType == EtherType.Ipv4 && ethernet.Destination == OurMac
                && Ipv4Packet.TryCreate(ethernet.Payload, ChecksumPolicy.Verify, out var ip, out _) && ip.Protocol == IpProtocol.Icmp)
            {
                echoRequest.TrySetResult();
            }
        };
        using var stop = new CancellationTokenSource();
        loop.Loop.Post(() => loopThread = Environment.CurrentManagedThreadId);
        var running = loop.Start(stop.Token);

        // Nothing answers the echo, so this ping fails; what matters is the frames it makes the kernel send.
        using var ping = host.Namespace.Start("ping", "-c", "1", "-W", "10", OurAddress.ToString());
        var request = await arpRequest.Task.WaitAsync(Bound);
        await echoRequest.Task.WaitAsync(Bound);

        Assert.True(replySent);
        Assert.Equal(link.DeviceMac, request.SenderMac);
        Assert.Equal(KernelAddress, request.SenderIp);
        Assert.Equal(loopThread, receiverThread);
        Assert.Contains($"{OurAddress} lladdr {OurMac}", host.Namespace.Neighbours(host.Device));
        Assert.True(link.Counters.FramesReceived >= 2, link.Counters.ToString());
        Assert.True(link.Counters.FramesSent >= 1, link.Counters.ToString());
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public async Task The_kernel_and_our_node_ping_each_other_through_the_tap()
    {
        LabPrerequisites.Require();
        var loop = new RealTimeLoop();
        using var host = KernelHost.Create(loop.Loop, "nmlab", "10.9.0.2/24", gateway: null, OurMac);
        var node = new Node(loop.Loop, "n1");
        node.AddInterface(host.Link, OurAddress, 24);
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

        // The kernel's ping: its ARP request, our node's ARP reply, its echo request, our echo reply.
        var kernelPing = host.Namespace.Run(Bound, "ping", "-c", "2", "-i", "0.2", "-W", "5", OurAddress.ToString());
        Assert.True(kernelPing.Succeeded, kernelPing.StandardOutput + kernelPing.StandardError);
        Assert.Contains("2 received", kernelPing.StandardOutput);

        // Our node's ping: the kernel's echo reply comes back to the node's hook, then its TestHost.
        Assert.True(await loop.InvokeAsync(() => tester.Ping(KernelAddress, 1)));
        await replied.Task.WaitAsync(Bound);
        var replies = await loop.InvokeAsync(() => tester.Replies.ToArray());
        Assert.Equal(KernelAddress, Assert.Single(replies).From);
        Assert.True(await loop.InvokeAsync(() => node.Counters.EchoRepliesSent) >= 2);
        Assert.Contains($"{OurAddress} lladdr {OurMac}", host.Namespace.Neighbours(host.Device));
        Assert.Null(host.Link.Fault);
        stop.Cancel();
        await running.WaitAsync(Bound);
    }

    [Fact]
    public void Sends_that_break_the_contract_are_refused_and_counted_by_reason()
    {
        LabPrerequisites.Require();
        var loop = new RealTimeLoop();
        using var link = TapLink.Open(loop.Loop, new TapOptions { Name = NetNamespace.UniqueName("nmtap"), Mac = OurMac, Mtu = 1400, Mode = TapMode.Create });

        Assert.False(link.Send(new byte[EthernetHeader.UntaggedLength - 1]));
        Assert.False(link.Send(Frame(1401)));
        // Up on the kernel side, or the driver refuses the write (EIO) and the link counts one more drop as Down.
        Ip("link", "set", "dev", link.Name, "up");
        Assert.True(link.Send(Frame(1400)));
        link.IsUp = false;
        Assert.False(link.Send(Frame(100)));

        Assert.Equal(1, link.Counters.Drops(LinkDrop.Malformed));
        Assert.Equal(1, link.Counters.Drops(LinkDrop.TooBig));
        Assert.Equal(1, link.Counters.Drops(LinkDrop.Down));
        Assert.Equal(1, link.Counters.FramesSent);
        Assert.Equal(1400, link.Mtu);
        Assert.Contains("mtu 1400 ", Ip("link", "show", "dev", link.Name));
    }

    [Fact]
    public async Task A_device_mac_asked_for_is_the_kernel_interfaces_and_dispose_removes_the_device()
    {
        LabPrerequisites.Require();
        var loop = new RealTimeLoop();
        var deviceMac = MacAddress.Parse("02:4e:4d:00:00:fe");
        var link = TapLink.Open(loop.Loop, new TapOptions { Name = NetNamespace.UniqueName("nmtap"), Mac = OurMac, DeviceMac = deviceMac });
        string name = link.Name;
        Assert.Equal(deviceMac, link.DeviceMac);
        Assert.Contains($"link/ether {deviceMac}", Ip("link", "show", "dev", name));

        // Dispose wakes the reader out of poll, joins both threads and closes the device: it must return, and the
        // kernel then removes the non-persistent device.
        await Task.Run(link.Dispose).WaitAsync(Bound);
        var gone = IpCommand("link", "show", "dev", name);
        Assert.False(gone.ExitCode == 0);
        Assert.Contains("does not exist", gone.StandardError);
        Assert.False(link.Send(Frame(100)));
    }

    [Fact]
    public void Opening_refusals_are_tap_exceptions_naming_the_device_and_the_cause()
    {
        LabPrerequisites.Require();
        var loop = new RealTimeLoop().Loop;
        string name = NetNamespace.UniqueName("nmtap");

        var missing = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = name, Mac = OurMac, Mode = TapMode.Attach }));
        Assert.Equal(TapError.NotFound, missing.Error);
        Assert.Equal($"TAP device {name} does not exist and the mode is Attach", missing.Message);

        using (TapLink.Open(loop, new TapOptions { Name = name, Mac = OurMac, Mode = TapMode.Create }))
        {
            var taken = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = name, Mac = OurMac, Mode = TapMode.Create }));
            Assert.Equal(TapError.Exists, taken.Error);
            Assert.Contains(name, taken.Message);
            var busy = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = name, Mac = OurMac }));
            Assert.Equal(TapError.Busy, busy.Error);
            Assert.Contains(name, busy.Message);
        }

        var loopback = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = "lo", Mac = OurMac }));
        Assert.Equal(TapError.NotATap, loopback.Error);
        Assert.StartsWith("TAP device lo: an interface of that name exists and is not a TAP device", loopback.Message);

        var longName = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = "sixteen-bytes-xx", Mac = OurMac }));
        Assert.Equal(TapError.InvalidOptions, longName.Error);
        Assert.Equal("interface name 'sixteen-bytes-xx' is longer than 15 bytes", longName.Message);
        var slash = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = "a/b", Mac = OurMac }));
        Assert.Equal(TapError.InvalidOptions, slash.Error);
        var sameMac = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = name, Mac = OurMac, DeviceMac = OurMac }));
        Assert.Equal(TapError.InvalidOptions, sameMac.Error);
        var tooLarge = Assert.Throws<TapException>(() => TapLink.Open(loop, new TapOptions { Name = name, Mac = OurMac, Mtu = 70000 }));
        Assert.Equal(TapError.InvalidOptions, tooLarge.Error);
        Assert.Equal("MTU 70000 is outside 68..65535", tooLarge.Message);

        // None of the refusals left a device behind.
        Assert.False(IpCommand("link", "show", "dev", name).ExitCode == 0);
    }

    private static byte[] Frame(int payloadLength)
    {
        var frame = new byte[EthernetHeader.UntaggedLength + payloadLength];
        new EthernetHeader(MacAddress.Broadcast, OurMac, (EtherType)0x88B5).Emit(frame); // IEEE 802 local experimental EtherType
        return frame;
    }

    private static string Ip(params string[] arguments)
    {
        var result = IpCommand(arguments);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput;
    }

    private static ExternalProcess.Result IpCommand(params string[] arguments) => ExternalProcess.Run("ip", arguments, timeoutSeconds: 30);
}
