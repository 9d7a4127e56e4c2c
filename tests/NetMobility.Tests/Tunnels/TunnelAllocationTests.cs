using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>Encapsulation and decapsulation, the receive window included, allocate nothing per packet once warm.</summary>
public class TunnelAllocationTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;

    /// <summary>Hands every outer packet to the peer straight away, or holds one back to make the peer reorder.</summary>
    private sealed class Wire : ITunnelHost
    {
        private readonly byte[] _held = new byte[2048];
        private int _heldLength;

        public ITunnelEndpoint? Peer { get; set; }
        public bool Swap { get; set; }
        public long Delivered { get; private set; }

        public void Transmit(ReadOnlySpan<byte> outerPacket)
        {
            if (!Swap)
            {
                Peer!.Receive(outerPacket);
                return;
            }
            if (_heldLength == 0)
            {
                outerPacket.CopyTo(_held);
                _heldLength = outerPacket.Length;
                return;
            }
            Peer!.Receive(outerPacket);
            Peer.Receive(_held.AsSpan(0, _heldLength));
            _heldLength = 0;
        }

        public void Deliver(EtherType protocol, ReadOnlySpan<byte> payload) => Delivered++;
        public void ReportTooBig(ReadOnlySpan<byte> innerPacket, int mtu) { }
        public void ReportUnreachable(ReadOnlySpan<byte> innerPacket, Icmpv4UnreachableCode code) { }
    }

    public static TheoryData<string> Kinds() => ["gre", "gre-key-seq-csum-reordered", "gretap", "ipip", "minimal", "mipudp", "mipudp-gre", "mipudp-minimal"];

    /// <summary>An RFC 3519 UDP tunnel from <paramref name="local"/> carrying <paramref name="carries"/>.</summary>
    private static UdpTunnel Udp(Ipv4Address local, Ipv4Address remote, IpProtocol carries, ITunnelHost host) =>
        new(new UdpTunnelOptions { Local = local, Remote = remote, Carries = carries }, host);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Sending_and_receiving_allocate_nothing(string kind)
    {
        var clock = new ManualTimeProvider();
        var toRight = new Wire { Swap = kind.EndsWith("reordered") };
        var atRight = new Wire();
        bool tap = kind == "gretap";
        (ITunnelEndpoint left, ITunnelEndpoint right) = kind switch
        {
            "ipip" => ((ITunnelEndpoint)new IpInIpTunnel(new IpInIpTunnelOptions { Local = A, Remote = B }, toRight),
                (ITunnelEndpoint)new IpInIpTunnel(new IpInIpTunnelOptions { Local = B, Remote = A }, atRight)),
            "mipudp" => (Udp(A, B, IpProtocol.IpInIp, toRight), Udp(B, A, IpProtocol.IpInIp, atRight)),
            "mipudp-gre" => (Udp(A, B, IpProtocol.Gre, toRight), Udp(B, A, IpProtocol.Gre, atRight)),
            "mipudp-minimal" => (Udp(A, B, IpProtocol.MinimalEncapsulation, toRight), Udp(B, A, IpProtocol.MinimalEncapsulation, atRight)),
            "minimal" => (new MinimalEncapsulationTunnel(new MinimalEncapsulationOptions { Local = A, Remote = B }, toRight),
                new MinimalEncapsulationTunnel(new MinimalEncapsulationOptions { Local = B, Remote = A }, atRight)),
            "gre-key-seq-csum-reordered" => (
                new GreTunnel(new GreTunnelOptions { Local = A, Remote = B, OutputKey = 9, OutputSequence = true, OutputChecksum = true }, clock, toRight),
                new GreTunnel(new GreTunnelOptions { Local = B, Remote = A, InputKey = 9, InputSequence = true, InputChecksum = true }, clock, atRight)),
            _ => (
                new GreTunnel(new GreTunnelOptions { Local = A, Remote = B, Mode = tap ? GreMode.Ethernet : GreMode.Ipv4 }, clock, toRight),
                new GreTunnel(new GreTunnelOptions { Local = B, Remote = A, Mode = tap ? GreMode.Ethernet : GreMode.Ipv4 }, clock, atRight)),
        };
        toRight.Peer = right;
        var small = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 1, 36);
        var large = TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 2, 1372);
        if (tap)
        {
            small = TestPackets.Frame(small);
            large = TestPackets.Frame(TestPackets.Echo(TestPackets.InnerSource, TestPackets.InnerDestination, 2, 1358));
        }

        for (int i = 0; i < 100; i++) left.Send(i % 2 == 0 ? small : large); // warm: statics, pools
        long delivered = atRight.Delivered;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) left.Send(i % 2 == 0 ? small : large);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1000, atRight.Delivered - delivered);
        Assert.Equal(0, right.Counters.TotalDropped);
        if (toRight.Swap) Assert.True(((GreTunnel)right).Counters.Reordered >= 500);
        left.Dispose();
        right.Dispose();
    }
}
