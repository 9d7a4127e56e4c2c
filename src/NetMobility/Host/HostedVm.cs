using NetMobility.Runtime;
using NetMobility.Configuration;
using NetMobility.Links;
using NetMobility.Mobility;
using NetMobility.Mobility.Registration;
using NetMobility.Replay;
using NetMobility.Tunnels;
using NetMobility.Wire;

namespace NetMobility.Host;

/// <summary>
/// A VM this daemon hosts, as its hypervisor would: the VM's own network interface is a TAP device (its far side a
/// network namespace now, a QEMU guest later), and the daemon runs the VM's port (<see cref="VmPort"/>) between that
/// device and a port of one of the node's in-memory segments. Attaching opens the TAP and plugs the port in: at
/// home (the VM's home agent is on that interface's network) the VM is announced and its bindings deregistered;
/// away, it is announced and registered through the link's foreign agent. Detaching pulls the port and lets the TAP
/// go, leaving the device (made persistent by whoever made it) to the next host. Runs on the event loop.
/// </summary>
public sealed class HostedVm : IDisposable
{
    private static readonly string[] Fields = ["name", "interface", "link", "mac", "homeAgent", "lifetime", "encapsulation", "attached"];

    private readonly EventLoop _loop;
    private readonly TapLinkSpec _device;
    private readonly SegmentPort _hostPort;
    private TapLink? _tap;
    private bool _everAttached;

    private HostedVm(EventLoop loop, string name, string interfaceName, TapLinkSpec device, SegmentPort hostPort, VmPort port, bool home, bool attachAtStart)
    {
        _loop = loop;
        Name = name;
        Interface = interfaceName;
        _device = device;
        _hostPort = hostPort;
        Port = port;
        IsHomeLink = home;
        AttachAtStart = attachAtStart;
        port.Receiver = ToVm;
    }

    public string Name { get; }

    /// <summary>The node interface (an in-memory segment) the VM is plugged into here.</summary>
    public string Interface { get; }

    public VmPort Port { get; }

    /// <summary>True when this daemon's segment is the VM's home link.</summary>
    public bool IsHomeLink { get; }

    public bool AttachAtStart { get; }
    public bool IsAttached => _tap is not null;
    public TapLinkSpec Device => _device;

    /// <summary>
    /// Reads one entry of <c>vms</c>: <c>name</c>, <c>interface</c> (a segment interface of the node), <c>link</c> (a TAP
    /// link), <c>mac</c> (the VM's own address), <c>homeAddress</c>, <c>homeAgent</c>, the mobile-home security association
    /// (<c>spi</c>, <c>key</c> ...), <c>lifetime</c> (seconds asked for, default 600), <c>encapsulation</c> (<c>gre</c>, the
    /// default, <c>ipip</c>, <c>minimal</c>) and <c>attached</c> (attach at start, default true).
    /// </summary>
    internal static HostedVm Read(ConfigElement item, EventLoop loop, IReadOnlyDictionary<string, (EthernetSegment Segment, Net.NetInterface Interface)> segments)
    {
        var (home, association) = MobilityConfig.ReadAssociation(item, "homeAddress", Fields);
        string name = item.Get("name").AsString();
        var interfaceField = item.Get("interface");
        if (!segments.TryGetValue(interfaceField.AsString(), out var host))
            throw interfaceField.Error($"'{interfaceField.AsString()}' is not an interface with a segment link (there are: {string.Join(", ", segments.Keys)})");
        var linkSpec = LinkSpec.Read(item);
        if (linkSpec is not TapLinkSpec tap) throw item.Get(LinkSpec.Field).Error("a VM's interface is a TAP device: {\"tap\": NAME, ...}");
        var mac = item.Get("mac").AsMac();
        if (!mac.IsUnicast || mac == MacAddress.Zero) throw item.Get("mac").Error($"{mac} is not a unicast address");
        var encapsulation = TunnelKind.Gre;
        if (item.TryGet("encapsulation", out var e))
        {
            encapsulation = MobileIpEncapsulation.TryParse(e.AsString(), out var kind) ? kind
                : throw e.Error($"'{e.AsString()}' is not an encapsulation ({MobileIpEncapsulation.Names})");
        }
        var flags = RegistrationFlags.ReverseTunnel | MobileIpEncapsulation.FlagsFor(encapsulation);
        var options = new RegistrationClientOptions
        {
            HomeAddress = home,
            HomeAgent = item.Get("homeAgent").AsAddress(),
            Mac = mac,
            Association = association,
            Lifetime = item.TryGet("lifetime", out var life) ? (ushort)life.AsInteger(1, ushort.MaxValue) : (ushort)600,
            Flags = flags,
        };
        if (options.Validate() is string problem) throw item.Error(problem);
        bool attached = !item.TryGet("attached", out var a) || a.AsBool();
        var port = new VmPort(loop, name, options, new VmPortOptions { Mtu = host.Interface.Mtu });
        var hostPort = host.Segment.AddPort($"{name}@{interfaceField.AsString()}", mac);
        hostPort.IsUp = false;
        bool isHome = host.Interface.Prefix.Contains(options.HomeAgent);
        return new HostedVm(loop, name, interfaceField.AsString(), tap, hostPort, port, isHome, attached);
    }

    /// <summary>Opens the VM's TAP and plugs its port in here; null on success, else why not (one line).</summary>
    public string? Attach()
    {
        if (_tap is not null) return $"vm {Name} is attached already";
        // The wire's other end: an address of its own beside the VM's (the two ends of a TAP need two).
        var wireMac = new MacAddress(0x02_4e_4d_00_00_00UL | (Port.Mac.Value & 0xFF_FFFFUL) ^ 0x80UL);
        try
        {
            _tap = (TapLink)_device.Open(_loop, wireMac, Port.Mtu);
        }
        catch (Exception ex) when (ex is LinkOpenException or TapException or InterfaceLinkException)
        {
            return $"vm {Name}: {ex.Message}";
        }
        _tap.Receiver = FromVm;
        _hostPort.IsUp = true;
        // The daemon's first attach at home is the VM booting there; any later one is the VM coming back from another
        // host, whose port registered it: its bindings go.
        if (!IsHomeLink) Port.ResumeAway(_hostPort);
        else if (_everAttached || !AttachAtStart) Port.ResumeHome(_hostPort, fromAnotherHost: true);
        else Port.StartAtHome(_hostPort);
        _everAttached = true;
        return null;
    }

    /// <summary>Pulls the port and lets the TAP go; null on success, else why not.</summary>
    public string? Detach()
    {
        if (_tap is not { } tap) return $"vm {Name} is not attached";
        Port.Pause();
        _hostPort.IsUp = false;
        _tap = null;
        tap.Dispose();
        return null;
    }

    /// <summary>The VM's TAP, while attached.</summary>
    public TapLink? Tap => _tap;

    private void FromVm(ReadOnlySpan<byte> frame) => Port.Send(frame);

    private void ToVm(ReadOnlySpan<byte> frame) => _tap?.Send(frame);

    public void Dispose()
    {
        Detach();
        Port.Dispose();
    }
}
