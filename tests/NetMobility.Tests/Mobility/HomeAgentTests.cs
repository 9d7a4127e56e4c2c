using NetMobility.Mobility;
using NetMobility.Net;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityTopology;

namespace NetMobility.Tests.Mobility;

/// <summary>The home agent on the node stack, in the migration topology, with the VM registered through the foreign agent.</summary>
public class HomeAgentTests
{
    private const ushort Port = 7001;

    private static MobilityTopology Registered(RegistrationFlags flags = RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre, HomeAgentOptions? options = null)
    {
        var t = new MobilityTopology(flags: flags, homeAgent: options);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        // The home router learns the VM at home first.
        Assert.True(t.Cn.Ping(VmAddress, 1));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Single(t.Cn.Replies);
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        return t;
    }

    /// <summary>A GRE packet from <paramref name="outerSource"/> to the home agent carrying a TCP-shaped packet from <paramref name="innerSource"/> to the correspondent.</summary>
    private static byte[] Tunnelled(Ipv4Address outerSource, Ipv4Address innerSource)
    {
        var inner = new byte[40];
        var tcp = new TcpHeader(40000, Port, 0, 0, TcpFlags.Ack, 1000, 0);
        new Ipv4Header(innerSource, CnAddress, IpProtocol.Tcp, tcp.BufferLength, 60).Emit(inner);
        tcp.Emit(inner.AsSpan(20), innerSource, CnAddress);
        var packet = new byte[20 + 4 + inner.Length];
        inner.CopyTo(packet, 24);
        new GreHeader(EtherType.Ipv4).EmitPacket(packet.AsSpan(20), inner.Length, ChecksumPolicy.Compute);
        new Ipv4Header(outerSource, HaAddress, IpProtocol.Gre, 4 + inner.Length, 64).Emit(packet);
        return packet;
    }

    [Fact]
    public void Reverse_tunnelled_packets_whose_inner_source_is_not_bound_to_that_care_of_address_are_refused()
    {
        var t = Registered();
        var atCn = t.Cn.Listen(Port);

        // From the registered care-of address, but for another home address: refused by the RFC 3024 check.
        Assert.True(t.FaNode.SendIp(Tunnelled(FaAddress, Ipv4Address.Parse("10.1.0.99"))));
        // From the correspondent, which is no care-of address at all: no tunnel takes it.
        Assert.True(t.CnNode.SendIp(Tunnelled(CnAddress, VmAddress)));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Empty(atCn.Sequences);
        Assert.Equal(1, t.HomeAgent.Counters.ReverseTunnelRejected);
        Assert.Equal(1, t.HaTunnels.Table.Unmatched);

        // The VM's own address from its care-of address passes.
        Assert.True(t.FaNode.SendIp(Tunnelled(FaAddress, VmAddress)));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Single(atCn.Sequences);
        Assert.Equal(VmAddress, atCn.LastSource);
    }

    [Fact]
    public void With_the_check_turned_off_a_spoofed_packet_is_laundered_through_the_home_network()
    {
        var t = Registered(options: new HomeAgentOptions { Address = HaAddress, HomePrefixLength = 24, CheckReverseTunnelSource = false });
        var atCn = t.Cn.Listen(Port);
        Assert.True(t.FaNode.SendIp(Tunnelled(FaAddress, Ipv4Address.Parse("10.1.0.99"))));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(Ipv4Address.Parse("10.1.0.99"), atCn.LastSource);
        Assert.Equal(0, t.HomeAgent.Counters.ReverseTunnelRejected);
    }

    [Fact]
    public void Registering_announces_the_home_agent_for_the_vm_on_the_home_link()
    {
        var t = Registered();
        Assert.True(t.HomeAgent.IsProxying(VmAddress));
        Assert.True(t.HaNode.Arp.IsProxied(t.HaHome, VmAddress));
        // The home router learned the VM's address at the home agent's hardware address from the gratuitous ARP.
        Assert.Equal(t.HaHome.Mac, CachedVmMac(t.R1, t.R1Home));
    }

    [Fact]
    public void A_binding_that_is_not_renewed_expires_and_the_agent_stops_answering_for_the_node()
    {
        var t = Registered();
        // The VM stops (its port is pulled): no renewal reaches the agents any more.
        t.VmPort.Pause();
        t.Sim.RunFor(TimeSpan.FromSeconds(119));
        Assert.True(t.HomeAgent.Bindings.IsAway(VmAddress));
        t.Sim.RunFor(TimeSpan.FromSeconds(2));
        Assert.False(t.HomeAgent.Bindings.IsAway(VmAddress));
        Assert.Equal(1, t.HomeAgent.Counters.Expired);
        Assert.False(t.HomeAgent.IsProxying(VmAddress));
        Assert.False(t.HaNode.Arp.IsProxied(t.HaHome, VmAddress));
        Assert.False(t.ForeignAgent.Visitors.TryGet(VmAddress, out _));
        // No binding, no tunnel: the agents gave theirs back.
        Assert.False(t.HomeAgent.TryGetTunnel(FaAddress, TunnelKind.Gre, out _));
        Assert.Equal(0, t.FaTunnels.Table.Count);
    }

    [Fact]
    public void With_simultaneous_bindings_each_packet_goes_to_every_care_of_address()
    {
        var t = Registered(RegistrationFlags.ReverseTunnel | RegistrationFlags.SimultaneousBindings);
        var atVm = t.Vm.Listen(Port);
        // A second binding, to a co-located care-of address at the correspondent's site, registered straight with the agent.
        var second = new RegistrationRequest(RegistrationFlags.SimultaneousBindings | RegistrationFlags.Decapsulation, 60, VmAddress, HaAddress,
            CnAddress, MobileIpTimestamp.From(t.Sim.Now));
        var buffer = new byte[128];
        var writer = new MobileIpMessageWriter(buffer);
        writer.Write(second);
        new MobilitySecurityAssociation(Spi, Key).Authenticate(ref writer, MobileIpExtensionType.MobileHomeAuthentication);
        Assert.True(t.CnNode.SendUdp(CnAddress, HaAddress, 434, 434, writer.Written));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, t.HomeAgent.Bindings.Get(VmAddress).Count);

        long before = t.HomeAgent.Counters.Tunnelled;
        for (uint i = 0; i < 5; i++) t.Cn.SendSegment(VmAddress, 40000, Port, i * 100, 100);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(10, t.HomeAgent.Counters.Tunnelled - before);
        Assert.True(atVm.IsCompleteAndInOrder(5, 100));
    }

    [Fact]
    public void A_handover_that_never_registers_times_out_drops_what_it_held_and_gives_the_address_back()
    {
        var t = new MobilityTopology(homeAgent: new HomeAgentOptions { Address = HaAddress, HomePrefixLength = 24, HandoverTimeout = TimeSpan.FromSeconds(2) });
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac));
        Assert.False(t.HomeAgent.BeginHandover(Ipv4Address.Parse("10.1.0.77")));
        for (uint i = 0; i < 3; i++) t.Cn.SendSegment(VmAddress, 40000, Port, i * 100, 100);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(3, t.HomeAgent.HeldPackets(VmAddress));
        t.Sim.RunFor(TimeSpan.FromSeconds(1.5));
        Assert.False(t.HomeAgent.IsHolding(VmAddress));
        Assert.Equal(3, t.HomeAgent.Counters.HandoverDropped);
        Assert.False(t.HomeAgent.IsProxying(VmAddress));
        // It told the home link the VM is where it was.
        t.Sim.RunFor(TimeSpan.FromSeconds(2));
        Assert.Equal(VmMac, CachedVmMac(t.R1, t.R1Home));
    }

    [Fact]
    public void A_move_registered_ahead_holds_until_cancelled_then_the_binding_goes_and_the_held_packets_reach_the_vm_at_home()
    {
        var t = new MobilityTopology();
        var atVm = t.Vm.Listen(Port);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        // Stop-and-copy: the hand-over waits for a commit; the destination registers the paused VM through its foreign agent.
        t.VmPort.Pause();
        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac, untilCommitted: true));
        t.VmPort.RegisterAhead(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.True(t.HomeAgent.Bindings.IsAway(VmAddress));
        for (uint i = 0; i < 5; i++) t.Cn.SendSegment(VmAddress, 40000, Port, i * 100, 100);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(5, t.HomeAgent.HeldPackets(VmAddress));
        Assert.Equal(0, t.HomeAgent.Counters.Tunnelled);

        // The migration failed: the VM runs at home again; the binding goes and what was held reaches it there.
        t.VmPort.StartAtHome(t.HomePortForVm);
        Assert.True(t.HomeAgent.CancelHandover(VmAddress));
        Assert.False(t.HomeAgent.Bindings.IsAway(VmAddress));
        Assert.False(t.HomeAgent.IsProxying(VmAddress));
        Assert.Equal(1, t.HomeAgent.Counters.Cancelled);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(atVm.IsCompleteAndInOrder(5, 100));
        Assert.Equal(0, t.HomeAgent.Counters.Tunnelled);
        Assert.False(t.HomeAgent.CancelHandover(VmAddress));
    }

    [Fact]
    public void A_move_registered_ahead_releases_into_the_tunnel_on_commit()
    {
        var t = new MobilityTopology();
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac, untilCommitted: true));
        t.VmPort.RegisterAhead(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        for (uint i = 0; i < 3; i++) t.Cn.SendSegment(VmAddress, 40000, Port, i * 100, 100);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, t.HomeAgent.HeldPackets(VmAddress));
        Assert.True(t.HomeAgent.CommitHandover(VmAddress));
        Assert.False(t.HomeAgent.IsHolding(VmAddress));
        Assert.Equal(3, t.HomeAgent.Counters.Tunnelled);
        // They wait at the destination for the VM, which takes them, in order, when it resumes there.
        var atVm = t.Vm.Listen(Port);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.True(t.VmPort.HeldForVm.Count >= 3, $"{t.VmPort.HeldForVm.Count} held"); // the agent's advertisements may wait there too
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunUntilIdle();
        Assert.True(atVm.IsCompleteAndInOrder(3, 100));
    }
}
