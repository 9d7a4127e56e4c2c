using NetMobility.Net;
using NetMobility.Testbed;
using NetMobility.Tunnels;
using NetMobility.Wire;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityTopology;

namespace NetMobility.Tests.Mobility;

public class MobilityTopologyTests
{
    private const int Payload = 200;
    private const ushort ToVm = 5001;
    private const ushort ToCn = 6001;

    /// <summary>Sends numbered packets <paramref name="from"/>..<paramref name="to"/> - 1, one every <paramref name="gapMs"/> ms of virtual time.</summary>
    private static void SendPaced(MobilityTopology t, TestHost sender, Ipv4Address destination, ushort port, int from, int to, int gapMs = 5)
    {
        for (int i = from; i < to; i++)
        {
            sender.SendSegment(destination, 40000, port, (uint)(i * Payload), Payload);
            t.Sim.RunFor(TimeSpan.FromMilliseconds(gapMs));
        }
    }

    [Fact]
    public void A_vm_moves_away_and_back_and_both_flows_arrive_complete_and_in_order()
    {
        var t = new MobilityTopology();
        var atVm = t.Vm.Listen(ToVm);
        var atCn = t.Cn.Listen(ToCn);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));

        // At home: straight through the home router, no agent involved.
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 20);
        SendPaced(t, t.Vm, CnAddress, ToCn, 0, 20);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.True(atVm.IsCompleteAndInOrder(20, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(20, Payload));
        Assert.Equal(0, t.HomeAgent.Counters.Tunnelled);
        Assert.Equal(VmMac, CachedVmMac(t.R1, t.R1Home));

        // The move: the home agent starts holding the VM's packets, the VM pauses, and the correspondent keeps sending.
        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(5));
        Assert.Equal(t.HaHome.Mac, CachedVmMac(t.R1, t.R1Home));
        t.VmPort.Pause();
        SendPaced(t, t.Cn, VmAddress, ToVm, 20, 40, gapMs: 20);
        Assert.True(t.HomeAgent.HeldPackets(VmAddress) > 0);

        // The VM resumes on the foreign link and sends at once; the hypervisor registers it meanwhile.
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        SendPaced(t, t.Vm, CnAddress, ToCn, 20, 30, gapMs: 1);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        Assert.True(t.HomeAgent.Bindings.TryGetFirst(VmAddress, out var binding));
        Assert.Equal(FaAddress, binding.CareOfAddress);
        Assert.Equal(TunnelKind.Gre, binding.Encapsulation);
        Assert.True(t.ForeignAgent.Visitors.TryGetAccepted(VmAddress, out var visitor));
        Assert.Equal(VmMac, visitor.LinkAddress);
        Assert.False(t.HomeAgent.IsHolding(VmAddress));

        SendPaced(t, t.Cn, VmAddress, ToVm, 40, 60);
        SendPaced(t, t.Vm, CnAddress, ToCn, 30, 50);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(500));

        Assert.Equal([], atVm.Missing(60, Payload));
        Assert.True(atVm.IsCompleteAndInOrder(60, Payload));
        Assert.Equal([], atCn.Missing(50, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(50, Payload));
        Assert.Equal(VmAddress, atCn.LastSource);
        Assert.Equal(20, t.HomeAgent.Counters.HandoverReleased);
        // What the VM sent before its registration was in force waited at its port and went on in order.
        Assert.Equal(10, t.VmPort.Held.Released);
        Assert.Equal(0, t.VmPort.Held.Dropped);
        Assert.Equal(0, t.HomeAgent.Counters.HandoverDropped);
        Assert.True(t.ForeignAgent.Counters.ReverseTunnelled >= 30);
        Assert.True(t.ForeignAgent.Counters.Delivered >= 40);
        Assert.Equal(0, t.HomeAgent.Counters.ReverseTunnelRejected);

        // Back home: the same again the other way, then the deregistration.
        Assert.True(t.HomeAgent.BeginHandover(VmAddress, VmMac));
        t.VmPort.Pause();
        SendPaced(t, t.Cn, VmAddress, ToVm, 60, 70, gapMs: 20);
        t.VmPort.ResumeHome(t.HomePortForVm);
        SendPaced(t, t.Vm, CnAddress, ToCn, 50, 60, gapMs: 1);
        t.Sim.RunFor(TimeSpan.FromSeconds(3));

        Assert.Equal(RegistrationState.AtHome, t.VmPort.Client.State);
        Assert.False(t.HomeAgent.Bindings.IsAway(VmAddress));
        Assert.False(t.HomeAgent.IsProxying(VmAddress));
        Assert.False(t.HaNode.Arp.IsProxied(t.HaHome, VmAddress));
        // The home link's caches point at the VM again.
        Assert.Equal(VmMac, CachedVmMac(t.R1, t.R1Home));
        Assert.Equal(VmMac, CachedVmMac(t.HaNode, t.HaHome));

        SendPaced(t, t.Cn, VmAddress, ToVm, 70, 80);
        SendPaced(t, t.Vm, CnAddress, ToCn, 60, 70);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.True(atVm.IsCompleteAndInOrder(80, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(70, Payload));
        Assert.Equal(0, t.HomeAgent.Counters.HandoverDropped);
    }

    [Fact]
    public void Without_reverse_tunnelling_the_correspondents_router_filters_the_vms_packets()
    {
        var t = new MobilityTopology(flags: RegistrationFlags.None);
        var atCn = t.Cn.Listen(ToCn);
        var atVm = t.Vm.Listen(ToVm);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);

        SendPaced(t, t.Vm, CnAddress, ToCn, 0, 10);
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 10);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(300));
        // Towards the VM the tunnel works; from it, a home address leaving the foreign site is spoofing to r3.
        Assert.True(atVm.IsCompleteAndInOrder(10, Payload));
        Assert.Empty(atCn.Sequences);
        Assert.Equal(10, t.R3.Counters.Drops(NodeDrop.IngressFiltered));
    }

    [Theory]
    [InlineData(RegistrationFlags.ReverseTunnel, "ipip")]
    [InlineData(RegistrationFlags.ReverseTunnel | RegistrationFlags.MinimalEncapsulation, "minimal")]
    public void Every_encapsulation_carries_both_ways(RegistrationFlags flags, string kind)
    {
        Assert.True(TunnelKind.TryFind(kind, out var expected));
        var t = new MobilityTopology(flags: flags);
        var atCn = t.Cn.Listen(ToCn);
        var atVm = t.Vm.Listen(ToVm);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.True(t.HomeAgent.Bindings.TryGetFirst(VmAddress, out var binding));
        Assert.Equal(expected, binding.Encapsulation);

        SendPaced(t, t.Vm, CnAddress, ToCn, 0, 10);
        SendPaced(t, t.Cn, VmAddress, ToVm, 0, 10);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.True(atVm.IsCompleteAndInOrder(10, Payload));
        Assert.True(atCn.IsCompleteAndInOrder(10, Payload));
    }

    [Fact]
    public void Registrations_are_renewed_through_the_foreign_agent_before_they_expire()
    {
        var t = new MobilityTopology();
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        long accepted = t.HomeAgent.Counters.Accepted;

        // Lifetime 120 s, renewed at 80 %: after ten minutes the binding still holds, renewed five times.
        t.Sim.RunFor(TimeSpan.FromMinutes(10));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        Assert.True(t.HomeAgent.Bindings.IsAway(VmAddress));
        Assert.Equal(0, t.HomeAgent.Counters.Expired);
        Assert.True(t.HomeAgent.Counters.Accepted - accepted >= 5);
    }

    [Fact]
    public void With_the_encapsulating_delivery_style_the_vm_tunnels_to_the_foreign_agent_and_only_its_own_packets_go_on()
    {
        var t = new MobilityTopology(encapsulatingDelivery: true);
        var atCn = t.Cn.Listen(ToCn);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.True(t.ForeignAgent.Visitors.TryGetAccepted(VmAddress, out var visitor));
        Assert.True(visitor.EncapsulatingDelivery);

        // RFC 3024 sec 5.2: the VM wraps its packet in IP in IP to the foreign agent, from its home address.
        Assert.True(t.VmNode.SendIp(Encapsulated(VmAddress, sequence: 0)));
        // A packet of someone else's wrapped by the VM is not the VM's to send through its reverse tunnel.
        Assert.True(t.VmNode.SendIp(Encapsulated(Ipv4Address.Parse("10.1.0.99"), sequence: Payload)));
        t.Sim.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.Equal([0u], atCn.Sequences);
        Assert.Equal(VmAddress, atCn.LastSource);
        Assert.Equal(1, t.ForeignAgent.Counters.EncapsulatedRefused);
    }

    /// <summary>A numbered TCP-shaped packet from <paramref name="innerSource"/> to the correspondent, in IP in IP from the VM to the foreign agent.</summary>
    private static byte[] Encapsulated(Ipv4Address innerSource, uint sequence)
    {
        var tcp = new TcpHeader(40000, ToCn, sequence, 0, TcpFlags.Ack | TcpFlags.Psh, 1000, Payload);
        var packet = new byte[20 + 20 + tcp.BufferLength];
        var inner = packet.AsSpan(20);
        for (int i = 0; i < Payload; i++) inner[20 + tcp.Length + i] = (byte)(sequence + (uint)i);
        tcp.Emit(inner[20..], innerSource, CnAddress);
        new Ipv4Header(innerSource, CnAddress, IpProtocol.Tcp, tcp.BufferLength, 64).Emit(inner);
        new Ipv4Header(VmAddress, FaAddress, IpProtocol.IpInIp, inner.Length, 64).Emit(packet);
        return packet;
    }
}
