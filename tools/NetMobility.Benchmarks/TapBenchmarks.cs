using BenchmarkDotNet.Attributes;
using NetMobility.Lab;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Benchmarks;

/// <summary>
/// Frames through router r1 and a real TAP device, on the real-time loop: echo requests come in on an in-memory
/// wire, r1 forwards them into the TAP link, the Linux kernel (in a namespace of its own, 10.1.0.2) answers, and
/// r1 forwards each reply back to the wire. One operation is one request and its reply: four link crossings, two
/// of them through /dev/net/tun, and two forwardings. Needs root and /dev/net/tun; run it alone, with
/// <c>--filter '*TapBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class TapBenchmarks
{
    // Below the TAP link's queues (512) and the kernel's backlog (1000): a batch is never cut by a full queue.
    private const int Batch = 256;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _batchDone = new(0);
    private RealTimeLoop _loop = null!;
    private KernelHost _kernel = null!;
    private PointToPointWire.WireEnd _injector = null!;
    private Task _running = null!;
    private byte[] _frame = [];
    private long _replies;
    private long _target;
    private int _count;

    /// <summary>Size of the echo request's IP packet.</summary>
    [Params(84, 1400)]
    public int PacketLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _loop = new RealTimeLoop();
        var loop = _loop.Loop;
        _kernel = KernelHost.Create(loop, "nmbench", "10.1.0.2/24", "10.1.0.1", new MacAddress(0x02_4e_4d_0b_00_01));
        var wire = new PointToPointWire(loop, "in", new MacAddress(0x02_4e_4d_0b_00_02), new MacAddress(0x02_4e_4d_0b_00_03), queueCapacity: Batch);
        var router = new Node(loop, "r1", new NodeOptions { Forwarding = true });
        var toKernel = router.AddInterface(_kernel.Link, Ipv4Address.Parse("10.1.0.1"), 24);
        router.Arp.AddStatic(toKernel, Ipv4Address.Parse("10.1.0.2"), _kernel.Link.DeviceMac);
        var lan = router.AddInterface(wire.B, Ipv4Address.Parse("10.9.0.1"), 24);
        router.Arp.AddStatic(lan, Ipv4Address.Parse("10.9.0.2"), wire.A.Mac);
        _injector = wire.A;
        _injector.Receiver = _ =>
        {
            if (++_replies == _target) _batchDone.Release();
        };

        _frame = new byte[EthernetHeader.UntaggedLength + PacketLength];
        new EthernetHeader(wire.B.Mac, wire.A.Mac, EtherType.Ipv4).Emit(_frame);
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
        _loop.Loop.Post(static s => ((TapBenchmarks)s!).Inject(), this);
        if (!_batchDone.Wait(Bound)) throw new TimeoutException($"replies stopped at {Volatile.Read(ref _replies)} of {_target}: {_kernel.Link.Counters}");
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
        _kernel.Dispose();
    }
}
