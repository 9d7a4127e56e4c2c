using NetMobility.Mobility;
using NetMobility.Wire;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using static NetMobility.Tests.Mobility.MobilityTopology;

namespace NetMobility.Tests.Mobility;

/// <summary>
/// The per-packet paths of the agents allocate nothing on the managed heap once warm: the home agent taking a
/// packet into a tunnel and letting a reverse-tunnelled one in, the foreign agent delivering a decapsulated
/// packet and reverse-tunnelling a visitor's. Each is driven directly, a few packets at a time and the world
/// run between batches, as traffic comes: more packets waiting at once than the shared array pool keeps would
/// make the pool allocate, which is the pool's business, not the path's.
/// </summary>
public class MobilityAllocationTests
{
    private const int Packets = 8;
    private const int Batches = 25;

    private static MobilityTopology Registered()
    {
        var t = new MobilityTopology(flags: RegistrationFlags.ReverseTunnel | RegistrationFlags.Gre);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(100));
        t.Cn.Ping(VmAddress, 1);
        t.Vm.Ping(CnAddress, 1);
        t.Sim.RunFor(TimeSpan.FromMilliseconds(200));
        t.VmPort.Pause();
        t.VmPort.ResumeAway(t.ForeignPortForVm);
        t.Sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationState.Registered, t.VmPort.Client.State);
        return t;
    }

    private static byte[] TcpPacket(Ipv4Address source, Ipv4Address destination)
    {
        var packet = new byte[20 + 20 + 64];
        var tcp = new TcpHeader(40000, 5001, 1, 0, TcpFlags.Ack, 1000, 64);
        new Ipv4Header(source, destination, IpProtocol.Tcp, tcp.BufferLength, 60).Emit(packet);
        tcp.Emit(packet.AsSpan(20), source, destination);
        return packet;
    }

    private static byte[] Gre(Ipv4Address outerSource, Ipv4Address outerDestination, byte[] inner)
    {
        var packet = new byte[20 + 4 + inner.Length];
        inner.CopyTo(packet, 24);
        new GreHeader(EtherType.Ipv4).EmitPacket(packet.AsSpan(20), inner.Length, ChecksumPolicy.Compute);
        new Ipv4Header(outerSource, outerDestination, IpProtocol.Gre, 4 + inner.Length, 64).Emit(packet);
        return packet;
    }

    /// <summary>
    /// The fewest bytes allocated on this thread while <paramref name="batch"/> runs <see cref="Batches"/> times, the
    /// world run 50 ms after each, in up to three measured rounds after one of warming up. The node stack rents its
    /// buffers from the process-wide array pool, which tests running on other threads at the same time can empty;
    /// a round in which the pool had to allocate says nothing about the path, so one clean round is enough.
    /// </summary>
    private static long Allocated(MobilityTopology t, Action batch)
    {
        long fewest = long.MaxValue;
        for (int round = 0; round < 4 && fewest != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Batches; i++)
            {
                batch();
                t.Sim.RunFor(TimeSpan.FromMilliseconds(50));
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round > 0) fewest = Math.Min(fewest, allocated);
        }
        return fewest;
    }

    [Fact]
    public void Home_agent_tunnelling_a_packet_allocates_nothing()
    {
        var t = Registered();
        var packet = TcpPacket(CnAddress, VmAddress);
        long tunnelled = t.HomeAgent.Counters.Tunnelled;
        long allocated = Allocated(t, () =>
        {
            for (int i = 0; i < Packets; i++)
            {
                Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var ip, out _);
                t.HomeAgent.OnPacket(t.HaHome, ip);
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(t.HomeAgent.Counters.Tunnelled - tunnelled >= 2 * Batches * Packets);
    }

    [Fact]
    public void Home_agent_letting_a_reverse_tunnelled_packet_in_allocates_nothing()
    {
        var t = Registered();
        var outer = Gre(FaAddress, HaAddress, TcpPacket(VmAddress, CnAddress));
        long allocated = Allocated(t, () =>
        {
            for (int i = 0; i < Packets; i++) t.HaTunnels.Table.Receive(outer);
        });
        Assert.Equal(0, allocated);
        Assert.True(t.HomeAgent.Counters.ReverseTunnelled >= 2 * Batches * Packets);
    }

    [Fact]
    public void Foreign_agent_delivering_and_reverse_tunnelling_allocate_nothing()
    {
        var t = Registered();
        var outer = Gre(HaAddress, FaAddress, TcpPacket(CnAddress, VmAddress));
        var fromVm = new byte[14 + 104];
        new EthernetHeader(t.R1Home.Mac, VmMac, EtherType.Ipv4).Emit(fromVm);
        TcpPacket(VmAddress, CnAddress).CopyTo(fromVm, 14);
        long delivered = t.ForeignAgent.Counters.Delivered, reverse = t.ForeignAgent.Counters.ReverseTunnelled;
        var visitorLink = t.ForeignAgent.VisitorLink.Link!;
        long allocated = Allocated(t, () =>
        {
            for (int i = 0; i < Packets; i++)
            {
                t.FaTunnels.Table.Receive(outer);
                visitorLink.Receiver!(fromVm); // the node parses the frame and hands it to the agent's frame hook
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(t.ForeignAgent.Counters.Delivered - delivered >= 2 * Batches * Packets);
        Assert.True(t.ForeignAgent.Counters.ReverseTunnelled - reverse >= 2 * Batches * Packets);
    }
}
