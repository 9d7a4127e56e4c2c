using NetMobility.Capture;
using NetMobility.Configuration;
using NetMobility.Mobility;
using NetMobility.Replay;
using NetMobility.Runtime;
using NetMobility.Tests.Mobility;
using NetMobility.Tests.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Registration;

namespace NetMobility.Tests.Replay;

/// <summary>
/// The conformance rules where a whole node is involved, driven frame by frame on a virtual clock: an ICMP error from a
/// router inside a tunnel reaches the tunnel through the node and is relayed to the original sender (RFC 2003 sec 4.1,
/// 5.1), and a foreign agent forwards what it decapsulates as a router does (RFC 2003 sec 3.1, RFC 1812 sec 5.3.1,
/// RFC 5944 sec 4.1). Assertions read the frames the node emits.
/// </summary>
public class NodeConformanceTests
{
    private static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:99:01");
    private static readonly Ipv4Address H1 = Ipv4Address.Parse("10.1.0.10");
    private static readonly Ipv4Address H2 = Ipv4Address.Parse("10.2.0.10");
    private static readonly Ipv4Address Router = Ipv4Address.Parse("203.0.113.1");

    private sealed class Frames : IReplayOutput
    {
        public List<(int Interface, byte[] Frame)> All { get; } = [];

        public void Write(int interfaceIndex, ReadOnlySpan<byte> frame) => All.Add((interfaceIndex, frame.ToArray()));

        /// <summary>The IPv4 packets that left by <paramref name="index"/>, and forgets them.</summary>
        public List<byte[]> Take(int index)
        {
            var taken = All.Where(f => f.Interface == index).Select(f => f.Frame[14..]).ToList();
            All.Clear();
            return taken;
        }
    }

    private static (ReplayNode Node, Simulation Sim, Frames Out) Build(string json)
    {
        var sim = new Simulation(new ManualTimeProvider());
        var node = ReplayNode.Build(ConfigElement.Parse(json, "node.json"), sim.Loop, MobilityRoles.AddTo(new ReplayRoles()));
        var output = new Frames();
        node.Output = output;
        return (node, sim, output);
    }

    private static void Inject(ReplayNode node, Simulation sim, int index, MacAddress destination, ReadOnlySpan<byte> ip, MacAddress? source = null)
    {
        var frame = new byte[14 + ip.Length];
        new EthernetHeader(destination, source ?? PeerMac, EtherType.Ipv4).Emit(frame);
        ip.CopyTo(frame.AsSpan(14));
        Assert.Null(node.Inject(index, LinkType.Ethernet, frame));
        sim.RunUntilIdle();
    }

    private static Icmpv4Packet Icmp(byte[] ip)
    {
        Assert.True(Ipv4Packet.TryCreate(ip, ChecksumPolicy.Verify, out var packet, out _));
        Assert.Equal(IpProtocol.Icmp, packet.Protocol);
        Assert.True(Icmpv4Packet.TryCreate(packet.Payload, ChecksumPolicy.Verify, out var icmp, out _));
        return icmp;
    }

    [Fact]
    public void Rfc2003_sec_4_1_a_router_inside_the_tunnel_reports_too_big_and_the_sender_hears_it_from_the_router_in_front()
    {
        var wanMac = MacAddress.Parse("02:00:00:00:01:02");
        var lanMac = MacAddress.Parse("02:00:00:00:01:01");
        var (node, sim, output) = Build("""
            { "name": "r1",
              "interfaces": [ { "name": "wan", "mac": "02:00:00:00:01:02", "address": "192.0.2.1/30" },
                              { "name": "lan", "mac": "02:00:00:00:01:01", "address": "10.1.0.1/24" } ],
              "tunnels": [ { "name": "gre1", "type": "gre", "local": "192.0.2.1", "remote": "192.0.2.2", "address": "10.255.0.1/30" } ],
              "routes": [ { "prefix": "10.2.0.0/24", "via": "10.255.0.2", "interface": "gre1" },
                          { "prefix": "203.0.113.0/24", "via": "192.0.2.2" } ],
              "arp": [ { "interface": "lan", "address": "10.1.0.10", "mac": "02:00:00:00:99:01" },
                       { "interface": "wan", "address": "192.0.2.2", "mac": "02:00:00:00:99:01" } ] }
            """);
        using var owned = node;
        var big = TestPackets.Echo(H1, H2, 1, 1400 - 28, dontFragment: true);
        Inject(node, sim, 1, lanMac, big);
        var outer = Assert.Single(output.Take(0));

        // The router inside the tunnel: fragmentation needed, next-hop MTU 1300, quoting the outer packet.
        Assert.True(Ipv4Packet.TryCreate(outer, ChecksumPolicy.Verify, out var offending, out _));
        var error = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(error, Router, offending, Icmpv4UnreachableCode.FragmentationNeeded, 1300);
        Inject(node, sim, 0, wanMac, error.AsSpan(0, length));

        var relayed = Icmp(Assert.Single(output.Take(1)));
        Assert.Equal(Icmpv4Type.DestinationUnreachable, relayed.Type);
        Assert.Equal((byte)Icmpv4UnreachableCode.FragmentationNeeded, relayed.Code);
        Assert.Equal(1300 - 24, relayed.NextHopMtu); // the path less GRE's 24 bytes (RFC 2003 sec 5.1)
        Assert.True(relayed.TryGetQuotedDatagram(out var quoted, out _));
        Assert.Equal(H1, quoted.Source);
        Assert.Equal(H2, quoted.Destination);

        // Soft state: the next such packet is refused in front of the tunnel, with the learned MTU.
        Inject(node, sim, 1, lanMac, big);
        var again = Icmp(Assert.Single(output.Take(1)));
        Assert.Equal(1300 - 24, again.NextHopMtu);
        Assert.Empty(output.Take(0));
    }

    private const string ForeignAgentNode = """
        { "name": "fa",
          "interfaces": [ { "name": "visitors", "mac": "02:00:00:00:0f:01", "address": "10.2.0.1/24" },
                          { "name": "wan", "mac": "02:00:00:00:0f:02", "address": "192.0.2.5/30" } ],
          "routes": [ { "prefix": "0.0.0.0/0", "via": "192.0.2.6" } ],
          "arp": [ { "interface": "wan", "address": "192.0.2.6", "mac": "02:00:00:00:99:01" } ],
          "roles": [ { "type": "foreign-agent", "interface": "visitors", "advertisementIntervalMs": 60000, "advertisementLifetime": 180 } ] }
        """;

    private static readonly MacAddress FaVisitors = MacAddress.Parse("02:00:00:00:0f:01");
    private static readonly MacAddress FaWan = MacAddress.Parse("02:00:00:00:0f:02");
    private static readonly Ipv4Address Cn = Ipv4Address.Parse("10.3.0.10");

    /// <summary>Registers the fixtures' VM (asking for GRE and reverse tunnelling) through the agent and has its home agent accept.</summary>
    private static void Register(ReplayNode node, Simulation sim, Frames output)
    {
        var association = MobilityFixtures.Association();
        var request = MobilityFixtures.Registration(sim.Now, 300, RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre);
        var message = MobilityFixtures.Request(request, association);
        var fromVm = new byte[14 + 20 + 8 + message.Length];
        int l = MobilityFrames.WriteUdp(fromVm, FaVisitors, MobilityFixtures.VmMac,
            new RegistrationAddressing(MobilityFixtures.Home, 434, MobilityFixtures.CareOf, 434, 255), 1, message);
        Assert.Null(node.Inject(0, LinkType.Ethernet, fromVm.AsSpan(0, l)));
        sim.RunUntilIdle();

        var reply = new byte[128];
        var writer = new MobileIpMessageWriter(reply);
        writer.Write(new RegistrationReply(RegistrationReplyCode.Accepted, 300, request.HomeAddress, MobilityFixtures.HomeAgentAddress, request.Identification));
        association.Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        var fromHa = new byte[14 + 20 + 8 + writer.Written.Length];
        l = MobilityFrames.WriteUdp(fromHa, FaWan, PeerMac,
            new RegistrationAddressing(MobilityFixtures.HomeAgentAddress, 434, MobilityFixtures.CareOf, 434, 60), 2, writer.Written);
        Assert.Null(node.Inject(1, LinkType.Ethernet, fromHa.AsSpan(0, l)));
        sim.RunUntilIdle();
        output.All.Clear();
    }

    private static byte[] IpInIpFromHomeAgent(byte[] inner)
    {
        var outer = new byte[20 + inner.Length];
        new Ipv4Header(MobilityFixtures.HomeAgentAddress, MobilityFixtures.CareOf, IpProtocol.IpInIp, inner.Length, 60).Emit(outer);
        inner.CopyTo(outer, 20);
        return outer;
    }

    [Fact]
    public void Rfc5944_sec_4_1_ip_in_ip_reaches_a_visitor_that_asked_for_gre_with_the_ttl_one_less()
    {
        var (node, sim, output) = Build(ForeignAgentNode);
        using var owned = node;
        Register(node, sim, output);
        Inject(node, sim, 1, FaWan, IpInIpFromHomeAgent(TestPackets.Echo(Cn, MobilityFixtures.Home, 1, 20, ttl: 9)));
        var delivered = Assert.Single(output.Take(0));
        Assert.True(Ipv4Packet.TryCreate(delivered, ChecksumPolicy.Verify, out var ip, out _));
        Assert.Equal(8, ip.TimeToLive); // RFC 2003 sec 3.1: the agent forwards it, one hop
    }

    [Fact]
    public void Rfc1812_sec_5_3_1_a_decapsulated_packet_with_ttl_1_is_not_forwarded_and_its_sender_gets_time_exceeded()
    {
        var (node, sim, output) = Build(ForeignAgentNode);
        using var owned = node;
        Register(node, sim, output);
        var lastHop = TestPackets.Echo(Cn, MobilityFixtures.Home, 2, 20, ttl: 1);
        Inject(node, sim, 1, FaWan, IpInIpFromHomeAgent(lastHop));
        Assert.DoesNotContain(output.All, f => f.Interface == 0);
        var error = Icmp(Assert.Single(output.Take(1)));
        Assert.Equal(Icmpv4Type.TimeExceeded, error.Type);
        Assert.True(error.TryGetQuotedDatagram(out var quoted, out _));
        Assert.Equal(Cn, quoted.Source);
        Assert.Equal(MobilityFixtures.Home, quoted.Destination);
    }

    [Fact]
    public void A_visitors_packet_too_big_for_the_reverse_tunnel_is_answered_on_its_own_link_not_through_its_home_agent()
    {
        var (node, sim, output) = Build(ForeignAgentNode);
        using var owned = node;
        Register(node, sim, output);
        Inject(node, sim, 0, FaVisitors, TestPackets.Echo(MobilityFixtures.Home, Cn, 3, 1500 - 28, dontFragment: true), MobilityFixtures.VmMac);
        Assert.DoesNotContain(output.All, f => f.Interface == 1);
        var frame = Assert.Single(output.All).Frame;
        Assert.Equal(MobilityFixtures.VmMac, MacAddress.Read(frame));
        var error = Icmp(frame[14..]);
        Assert.Equal((byte)Icmpv4UnreachableCode.FragmentationNeeded, error.Code);
        Assert.Equal(1500 - 24, error.NextHopMtu);
    }
}
