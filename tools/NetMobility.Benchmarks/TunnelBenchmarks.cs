using BenchmarkDotNet.Attributes;
using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Benchmarks;

/// <summary>
/// GRE encapsulate plus decapsulate of one inner IPv4 packet, endpoint to endpoint, on one core: the left
/// endpoint's host hands each outer packet straight to the right endpoint, whose host counts deliveries.
/// One operation is one packet through both. Goal: at least 10 million per second, 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class TunnelBenchmarks
{
    private GreTunnel _left = null!;
    private GreTunnel _right = null!;
    private byte[] _inner = [];

    /// <summary>Inner IPv4 packet length in bytes.</summary>
    [Params(64, 1400)]
    public int Size { get; set; }

    /// <summary>plain: no GRE options; keyseq: okey/ikey and oseq/iseq (the receive window on its in-order path); csum: keyseq plus ocsum/icsum.</summary>
    [Params("plain", "keyseq", "csum")]
    public string Gre { get; set; } = "plain";

    [GlobalSetup]
    public void Setup()
    {
        var a = new Ipv4Address(192, 0, 2, 1);
        var b = new Ipv4Address(198, 51, 100, 2);
        bool keyseq = Gre != "plain", csum = Gre == "csum";
        var time = new ManualTimeProvider();
        var sink = new CountingHost(null);
        _right = new GreTunnel(new GreTunnelOptions
        {
            Local = b, Remote = a, InputKey = keyseq ? 42u : null, InputSequence = keyseq, InputChecksum = csum,
        }, time, sink);
        _left = new GreTunnel(new GreTunnelOptions
        {
            Local = a, Remote = b, OutputKey = keyseq ? 42u : null, OutputSequence = keyseq, OutputChecksum = csum,
        }, time, new CountingHost(_right));
        _inner = new byte[Size];
        new Ipv4Header(new Ipv4Address(10, 0, 1, 2), new Ipv4Address(10, 0, 2, 2), IpProtocol.Udp, Size - Ipv4Header.MinLength).Emit(_inner);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _left.Dispose();
        _right.Dispose();
    }

    [Benchmark]
    public void EncapsulateDecapsulate() => _left.Send(_inner);

    private sealed class CountingHost(GreTunnel? peer) : ITunnelHost
    {
        public long Delivered;

        public void Transmit(ReadOnlySpan<byte> outerPacket) => peer!.Receive(outerPacket);
        public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload) => Delivered++;
        public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) { }
        public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) { }
    }
}
