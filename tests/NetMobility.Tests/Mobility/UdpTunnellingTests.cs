using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using NetMobility.Testbed;
using NetMobility.Tunnels;
using NetMobility.Wire;
using static NetMobility.Tests.Mobility.MobilityTopology;

namespace NetMobility.Tests.Mobility;

/// <summary>
/// RFC 3519 in the migration topology with the foreign site behind a NAT: the foreign agent asks for UDP tunnelling, the
/// home agent sees the NAT (the request's source is not the care-of address) and tunnels in UDP to the NAT's mapping,
/// and keepalives keep that mapping through idle time. Everything on the virtual clock.
/// </summary>
public class UdpTunnellingTests
{
    private const int Payload = 200;
    private const ushort ToVm = 5001;
    private const ushort ToCn = 6001;
    private static readonly Ipv4Address NatOutside = Ipv4Address.Parse("192.0.2.5");

    private static void SendPaced(MobilityTopology t, TestHost sender, Ipv4Address destination, ushort port, int from, int to, int gapMs = 5)
    {
        for (int i = from; i < to; i++)
        {
            sender.SendSegment(destination, 40000, port, (uint)(i * Payload), Payload);
            t.Sim.RunFor(TimeSpan.FromMilliseconds(gapMs));
        }
    }

    private static MobilityTopology BehindNat(UdpTunnelMode mode, RegistrationFlags encapsulation = RegistrationFlags.Gre) => new(
        flags: RegistrationFlags.ReverseTunnel | encapsulation,
        foreignAgent: new ForeignAgentOptions { Address = FaAddress, CareOfAddress = FaAddress, UdpTunnel = mode },
        foreignSiteBehindNat: true);

    /// <summary>RFC 3519 sec 3.1.4: whichever encapsulation the VM asks for (G, M or neither), the UDP tunnel carries it both ways.</summary>
    [Theory]
    [InlineData(RegistrationFlags.Gre, IpProtocol.Gre)]
    [InlineData(RegistrationFlags.MinimalEncapsulation, IpProtocol.MinimalEncapsulation)]
    [InlineData(RegistrationFlags.None, IpProtocol.IpInIp)]
    public void A_vm_moving_to_a_site_behind_a_nat_keeps_its_flows_through_udp_tunnelling_and_keepalives_hold_the_mapping_while_idle(
        RegistrationFlags encapsulation, IpProtocol carries)
    {
        var t = BehindNat(UdpTunnelMode.Request, encapsulation);
        var atVm = t.Vm.Listen(ToVm);
        var atCn = t.Cn.Listen(ToCn);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 10);
        SendPaced(t, t.Vm, CnAddress, ToCn, 0, 10);

        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac));
        t.VmPort.Pause();
        SendPaced(t, t.Cn, VmAddress, ToVm, 10, 20, gapMs: 20);
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        SendPaced(t, t.Vm, CnAddress, ToCn, 10, 20, gapMs: 1);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));

        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        Assert.True(t.HomeAgent.Bindings.TryGetFirst(VmAddress, out var binding));
        // RFC 3519 sec 4.6: the request came from the NAT's address, not the care-of address, so the home agent tunnels in UDP to the mapping.
        Assert.Equal(FaAddress, binding.CareOfAddress);
        Assert.Equal(TunnelKind.Udp, binding.Encapsulation);
        // RFC 3519 sec 3.1.4: the foreign agent's UDP Tunnel Request names what the VM asked for (GRE 47 for G, minimal
        // encapsulation 55 for M, IP in IP 4 otherwise) and the tunnel data messages carry it both ways.
        Assert.Equal(carries, binding.UdpCarries);
        Assert.Equal(NatOutside, binding.UdpAddress);
        Assert.True(t.Nat!.TryGetMapping(IpProtocol.Udp, FaAddress, 434, out ushort mapped));
        Assert.Equal(mapped, binding.UdpPort);
        Assert.True(t.ForeignAgent.Visitors.TryGetAccepted(VmAddress, out var visitor));
        Assert.Equal(110, visitor.UdpKeepaliveInterval);
        Assert.Equal(carries, visitor.UdpCarries);

        SendPaced(t, t.Cn, VmAddress, ToVm, 20, 40);
        SendPaced(t, t.Vm, CnAddress, ToCn, 20, 40);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.True(atVm.IsCompleteAndInOrder(40, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(40, Payload));
        Assert.Equal(VmAddress, atCn.LastSource);
        Assert.Equal(0, t.HomeAgent.Counters.ReverseTunnelRejected);

        // Ten idle minutes, five times the NAT's two-minute UDP timeout: the foreign agent's keepalives keep the mapping,
        // so the correspondent reaches the VM afterwards through the same NAT port without a new registration.
        t.Sim.RunFor(TimeSpan.FromMinutes(10));
        Assert.True(t.FaTunnels.Table.Endpoints.OfType<UdpTunnel>().Single().KeepalivesSent >= 5);
        Assert.Equal(0, t.Nat.MappingsExpired);
        Assert.True(t.Nat.TryGetMapping(IpProtocol.Udp, FaAddress, 434, out ushort still));
        Assert.Equal(mapped, still);
        var haTunnel = t.HaTunnels.Table.Endpoints.OfType<UdpTunnel>().Single();
        Assert.True(haTunnel.KeepalivesReceived >= 5);
        SendPaced(t, t.Cn, VmAddress, ToVm, 40, 50);
        SendPaced(t, t.Vm, CnAddress, ToCn, 40, 50);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.True(atVm.IsCompleteAndInOrder(50, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(50, Payload));
        Assert.Equal(0, t.Nat.InboundUnmapped);
    }

    [Fact]
    public void Without_udp_tunnelling_the_home_agents_tunnel_to_a_private_care_of_address_goes_nowhere()
    {
        var t = BehindNat(UdpTunnelMode.Off);
        var atVm = t.Vm.Listen(ToVm);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));

        // The registration itself passes the NAT (it is UDP from inside), but GRE to 10.2.0.1 has no route on the WAN.
        Assert.True(t.HomeAgent.Bindings.TryGetFirst(VmAddress, out var binding));
        Assert.Equal(TunnelKind.Gre, binding.Encapsulation);
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 10);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.Empty(atVm.Sequences);
    }
    /// <summary>
    /// RFC 3519 sec 3.1.4 and 3.3: a re-registration through the same NAT mapping that changes what the UDP tunnel carries
    /// (GRE, as the VM asked, to IP in IP) replaces the home agent's tunnel: the old one leaves the node's tunnel table
    /// before the new one goes in, and what goes to the VM afterwards is a tunnel data message with Next Header 4.
    /// </summary>
    [Fact]
    public void A_re_registration_that_changes_what_the_udp_tunnel_carries_replaces_the_home_agents_tunnel()
    {
        var t = BehindNat(UdpTunnelMode.Request);
        t.Vm.Listen(ToVm);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        var before = Assert.Single(t.HaTunnels.Table.Endpoints.OfType<UdpTunnel>());
        Assert.Equal(IpProtocol.Gre, before.Options.Carries);
        var changes = new List<(TunnelKind, bool)>();
        t.HomeAgent.TunnelChanged += c => changes.Add((c.Encapsulation, c.Opened));
        var nextHeaders = new List<byte>();
        t.R3.AddHook((_, ip) =>
        {
            if (ip.Protocol == IpProtocol.Udp && ip.Source == HaAddress && ip.Payload.Length > 9 && ip.Payload[8] == (byte)MobileIpMessageType.TunnelData)
                nextHeaders.Add(ip.Payload[9]);
            return false;
        });

        // The same visitor's renewal, relayed from the agent's port 434 (so through the same NAT mapping), now asking for IP in IP inside UDP.
        var request = new RegistrationRequest(RegistrationFlags.ReverseTunnel, 120, VmAddress, HaAddress, FaAddress, MobileIpTimestamp.From(t.Sim.Clock.GetUtcNow()));
        var association = new MobilitySecurityAssociation(Spi, Key);
        var message = MobilityFixtures.Request(request, association, udpTunnel: new UdpTunnelRequestExtension(IpProtocol.IpInIp));
        Assert.True(t.FaNode.SendUdp(FaAddress, HaAddress, RegistrationAddressing.Port, RegistrationAddressing.Port, message));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));

        Assert.True(t.HomeAgent.Bindings.TryGetFirst(VmAddress, out var binding));
        Assert.Equal((TunnelKind.Udp, IpProtocol.IpInIp), (binding.Encapsulation, binding.UdpCarries));
        var after = Assert.Single(t.HaTunnels.Table.Endpoints.OfType<UdpTunnel>());
        Assert.Equal(IpProtocol.IpInIp, after.Options.Carries);
        Assert.Equal(before.Options.RemotePort, after.Options.RemotePort);
        Assert.NotSame(before, after);
        // The GRE one closed first, then the IP in IP one opened, at the same address and port.
        Assert.Equal([(TunnelKind.Udp, false), (TunnelKind.Udp, true)], changes);
        Assert.Single(t.HomeAgent.PeerTunnels, p => p.Encapsulation == TunnelKind.Udp);

        long tunnelled = t.HomeAgent.Counters.Tunnelled;
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 1);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal([(byte)IpProtocol.IpInIp], nextHeaders);
        Assert.Equal(tunnelled + 1, t.HomeAgent.Counters.Tunnelled);
    }

    /// <summary>
    /// The same change seen from the visitor's side: the VM, registered behind the NAT with GRE inside UDP (its G bit),
    /// sends a renewal without G. The foreign agent relays it asking for IP in IP inside UDP (RFC 3519 sec 3.1.4), both
    /// agents replace their UDP tunnel on the accepted reply, keepalives run on the new one, and the VM's sessions go on.
    /// </summary>
    [Fact]
    public void A_visitor_renewal_that_changes_what_the_udp_tunnel_carries_replaces_the_tunnel_at_both_agents_and_flows_go_on()
    {
        var t = BehindNat(UdpTunnelMode.Request);
        var atVm = t.Vm.Listen(ToVm);
        var atCn = t.Cn.Listen(ToCn);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 10);
        SendPaced(t, t.Vm, CnAddress, ToCn, 0, 10);
        Assert.Equal(IpProtocol.Gre, Assert.Single(t.FaTunnels.Table.Endpoints.OfType<UdpTunnel>()).Options.Carries);

        // RFC 3024 sec 4.2.1: one hop away, TTL 255; to the agent's address on the link, as the VM's own requests go.
        var request = new RegistrationRequest(RegistrationFlags.ReverseTunnel, 120, VmAddress, HaAddress, FaAddress, MobileIpTimestamp.From(t.Sim.Clock.GetUtcNow()));
        var message = MobilityFixtures.Request(request, new MobilitySecurityAssociation(Spi, Key));
        Assert.True(t.VmNode.SendUdp(VmAddress, FaAddress, RegistrationAddressing.Port, RegistrationAddressing.Port, message, timeToLive: 255));
        // Relayed and pending (the WAN takes 15 ms each way): the new kind's tunnel is ready beside the one in use, for
        // what the home agent sends after accepting may overtake its reply.
        t.Sim.RunFor(TimeSpan.FromMilliseconds(5));
        Assert.True(t.ForeignAgent.Visitors.TryGet(VmAddress, out var renewing) && renewing.Pending is not null);
        Assert.Equal([IpProtocol.IpInIp, IpProtocol.Gre], t.FaTunnels.Table.Endpoints.OfType<UdpTunnel>().Select(u => u.Options.Carries).Order());
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));

        Assert.True(t.ForeignAgent.Visitors.TryGetAccepted(VmAddress, out var visitor));
        Assert.Equal(IpProtocol.IpInIp, visitor.UdpCarries);
        Assert.True(t.HomeAgent.Bindings.TryGetFirst(VmAddress, out var binding));
        Assert.Equal(IpProtocol.IpInIp, binding.UdpCarries);
        var faTunnel = Assert.Single(t.FaTunnels.Table.Endpoints.OfType<UdpTunnel>());
        var haTunnel = Assert.Single(t.HaTunnels.Table.Endpoints.OfType<UdpTunnel>());
        Assert.Equal((IpProtocol.IpInIp, IpProtocol.IpInIp), (faTunnel.Options.Carries, haTunnel.Options.Carries));
        Assert.Equal(TimeSpan.FromSeconds(110), faTunnel.KeepaliveInterval);

        SendPaced(t, t.Cn, VmAddress, ToVm, 10, 20);
        SendPaced(t, t.Vm, CnAddress, ToCn, 10, 20);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.True(atVm.IsCompleteAndInOrder(20, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(20, Payload));
        Assert.Equal(0, t.HomeAgent.Counters.ReverseTunnelRejected);
        // The VM's own client renews with G before its 120 s run out: GRE inside again, the swap back as clean, and the
        // keepalives keep the NAT's mapping all along.
        t.Sim.RunFor(TimeSpan.FromMinutes(5));
        Assert.Equal(IpProtocol.Gre, Assert.Single(t.FaTunnels.Table.Endpoints.OfType<UdpTunnel>()).Options.Carries);
        Assert.Equal(IpProtocol.Gre, Assert.Single(t.HaTunnels.Table.Endpoints.OfType<UdpTunnel>()).Options.Carries);
        Assert.Equal(0, t.Nat!.MappingsExpired);
        SendPaced(t, t.Cn, VmAddress, ToVm, 20, 30);
        SendPaced(t, t.Vm, CnAddress, ToCn, 20, 30);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.True(atVm.IsCompleteAndInOrder(30, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(30, Payload));
    }

    /// <summary>
    /// RFC 2003 sec 4-5 through a NAT (RFC 5508 REQ-4): a router on the WAN finds the foreign agent's UDP tunnel packet
    /// too big and says so to the NAT's address, quoting the packet as the NAT sent it. The NAT puts the quote back as the
    /// agent sent it, the agent's UDP tunnel takes the error by its ports, keeps the path MTU less 36 octets (outer IPv4,
    /// UDP, tunnel data and GRE headers: the VM asked for GRE, RFC 3519 sec 3.1.4), and tells the VM, whose packet had DF set.
    /// </summary>
    [Fact]
    public void A_datagram_too_big_from_beyond_the_nat_lowers_the_udp_tunnels_mtu_and_reaches_the_vm()
    {
        var t = BehindNat(UdpTunnelMode.Request);
        t.Vm.Listen(ToVm);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);

        byte[]? seen = null;
        t.R3.AddHook((_, ip) =>
        {
            if (ip.Protocol == IpProtocol.Udp && ip.Source == NatOutside && ip.Payload.Length > 8 && ip.Payload[8] == (byte)MobileIpMessageType.TunnelData)
                seen ??= ip.Buffer.ToArray();
            return false;
        });
        var tooBig = new List<ushort>();
        t.VmNode.AddHook((ingress, ip) =>
        {
            if (ip.Protocol == IpProtocol.Icmp && Icmpv4Packet.TryCreate(ip.Payload, ChecksumPolicy.Verify, out var icmp, out _)
                && icmp.Type == Icmpv4Type.DestinationUnreachable && icmp.Code == (byte)Icmpv4UnreachableCode.FragmentationNeeded)
                tooBig.Add(icmp.NextHopMtu);
            return false;
        });
        SendPaced(t, t.Vm, CnAddress, ToCn, 0, 1);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.NotNull(seen);
        Assert.True(Ipv4Packet.TryCreate(seen, ChecksumPolicy.Verify, out var offending, out _));
        var error = new byte[Icmpv4Error.MaxDatagramLength];
        int length = Icmpv4Error.EmitDestinationUnreachable(error, Ipv4Address.Parse("192.0.2.6"), offending, Icmpv4UnreachableCode.FragmentationNeeded, 1000);
        t.R3.SendIp(error.AsSpan(0, length));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));

        Assert.Equal(1, t.Nat!.IcmpErrorsTranslated);
        var faTunnel = t.FaTunnels.Table.Endpoints.OfType<UdpTunnel>().Single();
        Assert.Equal(1, faTunnel.Counters.IcmpErrorsRelayed);
        Assert.Equal(IpProtocol.Gre, faTunnel.Options.Carries);
        Assert.Equal(1000 - 36, faTunnel.Mtu);
        Assert.Equal([(ushort)(1000 - 36)], tooBig);
    }
}
