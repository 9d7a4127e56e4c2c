using BenchmarkDotNet.Attributes;
using NetMobility.Links;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Wire;

namespace NetMobility.Benchmarks;

/// <summary>
/// IPv4 forwarding through the node stack: frames arrive on a router's ingress wire, are checked, routed
/// (longest-prefix match among a few dozen routes), have their TTL decremented with an incremental checksum
/// update, are framed to a resolved next hop and land on the egress wire's far end. One operation is one
/// packet, all the way through the event loop: link delivery, node, link send. Steady state allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class ForwardingBenchmarks
{
    private const int Batch = 512;
    private Simulation _sim = null!;
    private PointToPointWire.WireEnd _injector = null!;
    private byte[] _frame = [];
    private long _received;

    /// <summary>Size of the IP packet forwarded.</summary>
    [Params(64, 1400)]
    public int PacketLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sim = new Simulation();
        var ingress = new PointToPointWire(_sim.Loop, "in", new MacAddress(0x02_00_00_00_00_01), new MacAddress(0x02_00_00_00_00_02), queueCapacity: Batch);
        var egress = new PointToPointWire(_sim.Loop, "out", new MacAddress(0x02_00_00_00_00_03), new MacAddress(0x02_00_00_00_00_04), queueCapacity: Batch);
        var router = new Node(_sim.Loop, "r", new NodeOptions { Forwarding = true });
        router.AddInterface(ingress.B, Ipv4Address.Parse("10.1.0.1"), 24);
        var wan = router.AddInterface(egress.A, Ipv4Address.Parse("192.0.2.1"), 30);
        var gateway = Ipv4Address.Parse("192.0.2.2");
        for (int i = 0; i < 32; i++) router.AddRoute(new Ipv4Prefix(new Ipv4Address((uint)(172 << 24 | 16 << 16 | i << 8)), 24), gateway);
        router.AddRoute(Ipv4Prefix.Parse("10.2.0.0/16"), gateway);
        router.SetDefaultRoute(gateway);
        router.Arp.AddStatic(wan, gateway, egress.B.Mac);
        _injector = ingress.A;
        egress.B.Receiver = frame => _received++;

        _frame = new byte[EthernetHeader.UntaggedLength + PacketLength];
        new EthernetHeader(ingress.B.Mac, ingress.A.Mac, EtherType.Ipv4).Emit(_frame);
        int payload = PacketLength - Ipv4Header.MinLength;
        new Ipv4Header(Ipv4Address.Parse("10.1.0.10"), Ipv4Address.Parse("10.2.3.4"), IpProtocol.Udp, payload, 64).Emit(_frame.AsSpan(EthernetHeader.UntaggedLength));
        ForwardBatch(); // warm the pools
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long ForwardBatch()
    {
        for (int i = 0; i < Batch; i++) _injector.Send(_frame);
        _sim.Loop.RunUntilIdle();
        return _received;
    }
}
