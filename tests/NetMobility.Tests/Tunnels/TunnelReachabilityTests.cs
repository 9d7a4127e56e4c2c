using NetMobility.Runtime;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>
/// RFC 2003 sec 5's reachability soft state, for every IPv4-carrying tunnel kind and the UDP tunnel: an unreachable
/// from a router inside the tunnel that quotes only the outer header cannot be relayed at once (sec 4), so it is kept
/// and told to the senders of later packets, which still go into the tunnel. The replay case ipip-reachability
/// (captures/replay/make_conformance.py) checks the same end to end.
/// </summary>
public class TunnelReachabilityTests
{
    private static readonly Ipv4Address A = GreTunnelTests.A;
    private static readonly Ipv4Address B = GreTunnelTests.B;
    private static readonly Ipv4Address Router = Ipv4Address.Parse("203.0.113.1");
    private static readonly Ipv4Address H1 = TestPackets.InnerSource;
    private static readonly Ipv4Address H2 = TestPackets.InnerDestination;
    private static readonly Ipv4Address H3 = Ipv4Address.Parse("10.1.0.9");

    public static TheoryData<string> Kinds() => ["gre", "ipip", "minimal", "mipudp"];

    private static ITunnelEndpoint Create(string kind, Ipv4Address local, Ipv4Address remote, ITunnelHost host, TimeProvider time)
    {
        TunnelKind.TryFind(kind, out var tunnelKind);
        return tunnelKind!.CreateEndpoint(tunnelKind.DefaultOptions(new TunnelEnds(local, remote)), time, host);
    }

    /// <summary>An error from <see cref="Router"/> about <paramref name="outer"/> quoting its header and <paramref name="quote"/> octets more.</summary>
    private static void RouterError(ITunnelEndpoint tunnel, byte[] outer, Icmpv4Type type, byte code, int quote)
    {
        Assert.True(Ipv4Packet.TryCreate(outer, ChecksumPolicy.None, out var offending, out _));
        var buffer = new byte[20 + 8 + 20 + quote];
        int length = type == Icmpv4Type.TimeExceeded
            ? Icmpv4Error.EmitTimeExceeded(buffer, Router, offending, (Icmpv4TimeExceededCode)code)
            : Icmpv4Error.EmitDestinationUnreachable(buffer, Router, offending, (Icmpv4UnreachableCode)code, 0);
        Assert.True(TunnelTable.TryTakeError(buffer.AsSpan(0, length), tunnel));
    }

    /// <summary>The UDP tunnel's quote must reach its tunnel data header to be told from a registration; the others need RFC 792's 8 octets only.</summary>
    private static int ShortQuote(string kind) => kind == "mipudp" ? 12 : 8;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2003_sec_5_an_unreachable_quoting_only_the_outer_header_is_told_to_the_next_sender_whose_packet_still_goes_in(string kind)
    {
        var clock = new ManualTimeProvider();
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host, clock);
        tunnel.Send(TestPackets.Echo(H1, H2, 1, 100));
        RouterError(tunnel, host.Transmitted[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Host, ShortQuote(kind));
        Assert.Empty(host.Unreachable); // nothing names the first sender (sec 4)
        Assert.Equal(1, tunnel.Counters.IcmpErrorsReceived);

        var next = TestPackets.Echo(H3, H2, 2, 100);
        tunnel.Send(next);
        var (told, code) = Assert.Single(host.Unreachable);
        Assert.Equal(Icmpv4UnreachableCode.Host, code);
        Assert.Equal(Hex.Of(next), Hex.Of(told));
        Assert.Equal(2, host.Transmitted.Count); // "but also encapsulates the datagram and forwards it"
        Assert.Equal(1, tunnel.Counters.UnreachableReports);

        // One error, one report: the sender after that is not told again.
        tunnel.Send(TestPackets.Echo(H3, H2, 3, 100));
        Assert.Single(host.Unreachable);
        Assert.Equal(3, host.Transmitted.Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Rfc2003_sec_5_the_soft_state_lapses_after_30_seconds_and_clears_when_the_far_end_is_heard(string kind)
    {
        var clock = new ManualTimeProvider();
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host, clock);
        tunnel.Send(TestPackets.Echo(H1, H2, 1, 100));
        var sent = host.Transmitted[0];
        // Network unreachable is told as code 0 (sec 4.1: code 1 only for the encapsulator's own network).
        RouterError(tunnel, sent, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Network, ShortQuote(kind));
        RouterError(tunnel, sent, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Network, ShortQuote(kind));
        clock.Advance(TunnelReachability.Hold + TimeSpan.FromSeconds(1));
        tunnel.Send(TestPackets.Echo(H3, H2, 2, 100));
        Assert.Empty(host.Unreachable);

        RouterError(tunnel, sent, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Network, ShortQuote(kind));
        // A packet from B through the tunnel: the far end is reachable after all.
        var back = new RecordingHost();
        using (var far = Create(kind, B, A, back, clock)) far.Send(TestPackets.Echo(H2, H1, 9, 100));
        tunnel.Receive(Assert.Single(back.Transmitted));
        Assert.Single(host.Delivered);
        tunnel.Send(TestPackets.Echo(H3, H2, 3, 100));
        Assert.Empty(host.Unreachable);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Time_exceeded_and_port_unreachable_leave_no_reachability_state(string kind)
    {
        var clock = new ManualTimeProvider();
        var host = new RecordingHost();
        using var tunnel = Create(kind, A, B, host, clock);
        tunnel.Send(TestPackets.Echo(H1, H2, 1, 100));
        RouterError(tunnel, host.Transmitted[0], Icmpv4Type.TimeExceeded, 0, ShortQuote(kind));
        RouterError(tunnel, host.Transmitted[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.Port, ShortQuote(kind));
        tunnel.Send(TestPackets.Echo(H3, H2, 2, 100));
        Assert.Empty(host.Unreachable);
        Assert.Equal(2, tunnel.Counters.IcmpErrorsReceived);
    }
}
