using BenchmarkDotNet.Attributes;
using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Benchmarks;

/// <summary>
/// The three links to the Linux kernel side by side, as in <see cref="TapBenchmarks"/>: echo requests come in on an
/// in-memory wire, router r1 forwards them to the kernel (10.1.0.2, in a namespace of its own) over the link under
/// test, the kernel answers, r1 forwards each reply back. <c>tap</c>: a TAP device; <c>packet</c>: an AF_PACKET socket
/// on a veth end; <c>pcap</c>: libpcap on a veth end. One operation is one request and its reply. Needs root,
/// /dev/net/tun and libpcap0.8; run it alone, with <c>--filter '*InterfaceLinkBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class InterfaceLinkBenchmarks
{
    private const int Batch = 128;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly MacAddress RouterMac = new(0x02_4e_4d_0c_00_01);
    private static readonly MacAddress KernelMac = new(0x02_4e_4d_0c_00_fe);

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _batchDone = new(0);
    private readonly List<IDisposable> _owned = [];
    private RealTimeLoop _loop = null!;
    private IFrameLink _link = null!;
    private PointToPointWire.WireEnd _injector = null!;
    private Task _running = null!;
    private byte[] _frame = [];
    private long _replies;
    private long _target;
    private int _count;

    [Params("tap", "packet", "pcap")]
    public string Kind { get; set; } = "tap";

    /// <summary>Size of the echo request's IP packet.</summary>
    [Params(84, 1400)]
    public int PacketLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _loop = new RealTimeLoop();
        var loop = _loop.Loop;
        MacAddress kernelMac = KernelMac;
        if (Kind == "tap")
        {
            var kernel = KernelHost.Create(loop, "nmbench", "10.1.0.2/24", "10.1.0.1", RouterMac);
            _owned.Add(kernel);
            _link = kernel.Link;
            kernelMac = kernel.Link.DeviceMac;
        }
        else
        {
            var kernel = NetNamespace.Create("nmbk");
            _owned.Add(kernel);
            var wire = NetNamespace.Create("nmbw");
            _owned.Add(wire);
            string suffix = kernel.Name[^6..], kernelEnd = $"nmk{suffix}", wireEnd = $"nmw{suffix}";
            kernel.Ip("link", "add", kernelEnd, "address", KernelMac.ToString(), "type", "veth", "peer", "name", wireEnd, "netns", wire.Name);
            kernel.AddAddress(kernelEnd, "10.1.0.2/24");
            kernel.SetUp(kernelEnd);
            kernel.AddRoute("default", "10.1.0.1");
            wire.SetUp(wireEnd);
            _link = NetnsScope.Run<IFrameLink>(wire.Name, () => Kind == "packet" ? PacketLink.Open(loop, wireEnd, RouterMac) : PcapLink.Open(loop, wireEnd, RouterMac));
            _owned.Insert(0, (IDisposable)_link);
        }
        var inWire = new PointToPointWire(loop, "in", new MacAddress(0x02_4e_4d_0c_00_02), new MacAddress(0x02_4e_4d_0c_00_03), queueCapacity: Batch);
        var router = new Node(loop, "r1", new NodeOptions { Forwarding = true });
        var toKernel = router.AddInterface(_link, Ipv4Address.Parse("10.1.0.1"), 24);
        router.Arp.AddStatic(toKernel, Ipv4Address.Parse("10.1.0.2"), kernelMac);
        var lan = router.AddInterface(inWire.B, Ipv4Address.Parse("10.9.0.1"), 24);
        router.Arp.AddStatic(lan, Ipv4Address.Parse("10.9.0.2"), inWire.A.Mac);
        _injector = inWire.A;
        _injector.Receiver = _ =>
        {
            if (++_replies == _target) _batchDone.Release();
        };

        _frame = new byte[EthernetHeader.UntaggedLength + PacketLength];
        new EthernetHeader(inWire.B.Mac, inWire.A.Mac, EtherType.Ipv4).Emit(_frame);
        var echo = Icmpv4Message.EchoRequest(0x4e4d, 1, PacketLength - Ipv4Header.MinLength - Icmpv4Message.HeaderLength);
        var ip = new Ipv4Header(Ipv4Address.Parse("10.9.0.2"), Ipv4Address.Parse("10.1.0.2"), IpProtocol.Icmp, echo.BufferLength, 64);
        ip.Emit(_frame.AsSpan(EthernetHeader.UntaggedLength));
        echo.Emit(_frame.AsSpan(EthernetHeader.UntaggedLength + Ipv4Header.MinLength));
        _running = _loop.Start(_stop.Token);
        // One request first, alone: the kernel resolves r1 by ARP, holding only a few packets meanwhile. Then the pools warm up.
        RoundTrip(1);
        RoundTrip(Batch);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long RoundTripBatch() => RoundTrip(Batch);

    private long RoundTrip(int count)
    {
        _count = count;
        _loop.Loop.Post(static s => ((InterfaceLinkBenchmarks)s!).Inject(), this);
        if (!_batchDone.Wait(Bound)) throw new TimeoutException($"replies stopped at {Volatile.Read(ref _replies)} of {_target}: {_link.Counters}");
        return _replies;
    }

    private void Inject()
    {
        _target = _replies + _count;
        for (int i = 0; i < _count; i++) _injector.Send(_frame);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _running.Wait(Bound);
        foreach (var owned in _owned) owned.Dispose();
    }
}
