using NetMobility.Mobility;
using NetMobility.Mobility.Registration;
using NetMobility.Net;
using NetMobility.Runtime;
using NetMobility.Testbed.Tcp;
using NetMobility.Wire;

namespace NetMobility.Scenario;

/// <summary>
/// One VM on the home link of a <see cref="ScenarioTopology"/>: its node on its own guest clock, its interface (a
/// <see cref="VmPort"/> plugged into its own port of the source host), its TCP, and its security association with the
/// home agent. VM 0 is the topology's own VM (10.1.0.42); VM i is 10.1.0.(42 + i), NIC 52:54:00:00:01:i.
/// </summary>
public sealed class ScenarioVm : IDisposable
{
    /// <summary>The most VMs a home link holds: 10.1.0.42 to 10.1.0.241.</summary>
    public const int MaxVms = 200;

    private ScenarioVm(int index, Node node, GuestClock clock, VmPort port, NetInterface iface, SourceHostPort sourcePort, TcpStack tcp, bool owned)
    {
        Index = index;
        Node = node;
        Clock = clock;
        Port = port;
        Interface = iface;
        SourcePort = sourcePort;
        Tcp = tcp;
        _owned = owned;
    }

    private readonly bool _owned;

    public int Index { get; }
    public Ipv4Address Address => Interface.Address;
    public MacAddress Mac => Port.Mac;
    public Node Node { get; }
    public GuestClock Clock { get; }
    public VmPort Port { get; }
    public NetInterface Interface { get; }
    public SourceHostPort SourcePort { get; }
    public TcpStack Tcp { get; }

    /// <summary>The home address of VM <paramref name="index"/>.</summary>
    public static Ipv4Address AddressOf(int index) => new(ScenarioTopology.VmAddress.Value + (uint)index);

    /// <summary>The topology's own VM as VM 0.</summary>
    public static ScenarioVm First(ScenarioTopology net) =>
        new(0, net.VmNode, net.VmClock, net.VmPort, net.VmInterface, net.SourcePort, net.VmTcp, owned: false);

    /// <summary>Adds VM <paramref name="index"/> (1 or more) to the home link, known to the home agent, its port started at home.</summary>
    public static ScenarioVm Add(ScenarioTopology net, ScenarioOptions options, int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxVms);
        var address = AddressOf(index);
        var mac = new MacAddress(0x5254_0000_0100UL + (ulong)index);
        var association = new MobilitySecurityAssociation(0x1000u + (uint)index, System.Text.Encoding.ASCII.GetBytes($"vm-{42 + index} mobile-home key"));
        net.HomeAgent.MobileNodes.Add(address, association);
        var clock = new GuestClock(net.Net.Loop.Time);
        var node = net.Net.AddHost($"vm{index}", new NodeOptions { Clock = clock });
        var port = new VmPort(net.Net.Loop, $"vm{index}-eth0", new RegistrationClientOptions
        {
            HomeAddress = address,
            HomeAgent = ScenarioTopology.HaAddress,
            Mac = mac,
            Association = association,
            Flags = (options.ReverseTunnel ? RegistrationFlags.ReverseTunnel : 0) | MobileIpEncapsulation.FlagsFor(options.Encapsulation),
        });
        var iface = node.AddInterface(port, address, ScenarioTopology.HomePrefixLength);
        node.SetDefaultRoute(ScenarioTopology.HomeGateway);
        var sourcePort = new SourceHostPort(net.HomeLink.AddPort($"vm{index}@home", mac));
        port.StartAtHome(sourcePort);
        var tcp = new TcpStack(node, new TcpEndpointOptions { MaxSegmentSize = ScenarioTopology.TunnelledMss }, seed: (ulong)options.Seed + 1000 + (ulong)index, clock: clock);
        return new ScenarioVm(index, node, clock, port, iface, sourcePort, tcp, owned: true);
    }

    /// <summary>The VM's network device state as the source host reads it.</summary>
    public VmDeviceState ReadDeviceState()
    {
        var gateway = Node.Routes.Lookup(Ipv4Address.Any) is { IsOnLink: false } route ? route.Gateway : Ipv4Address.Any;
        return new VmDeviceState(Port.Mac, Interface.Address, Interface.Prefix.Length, gateway);
    }

    /// <summary>Stops the VM's port and its source host port; VM 0's belong to the topology.</summary>
    public void Dispose()
    {
        if (!_owned) return;
        Port.Dispose();
        SourcePort.Dispose();
    }
}
