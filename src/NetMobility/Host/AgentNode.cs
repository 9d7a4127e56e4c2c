using Microsoft.Extensions.Logging;
using NetMobility.Runtime;
using NetMobility.Links;
using NetMobility.Mobility;
using NetMobility.Mobility.Home;
using NetMobility.Mobility.Foreign;
using NetMobility.Mobility.Registration;
using NetMobility.Net;
using NetMobility.Replay;
using NetMobility.Wire;

namespace NetMobility.Host;

/// <summary>
/// The running node of an agent daemon: the node of the configuration on real links, its roles (home agent, foreign
/// agent, tunnels), the VMs it hosts, and a capture of its links. Everything here runs on the daemon's one event loop;
/// other threads reach it through <see cref="RealTimeLoop.InvokeAsync{T}(Func{T})"/>. A tick every second keeps the
/// devices open (<see cref="DeviceLink.Check"/>), logs drops by reason, and flushes the capture.
/// </summary>
public sealed partial class AgentNode : IDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private const int DropReportTicks = 10;

    private readonly RealTimeLoop _loop;
    private readonly ILogger _log;
    private readonly List<DeviceLink> _devices = [];
    private readonly List<IFrameLink> _links = [];
    private readonly Dictionary<string, (EthernetSegment Segment, NetInterface Interface)> _segments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EthernetSegment> _segmentOf = new(StringComparer.Ordinal);
    private readonly List<HostedVm> _vms = [];
    private readonly LoopTimer _tick;
    private readonly DropReport _drops = new();
    private CaptureSink? _capture;
    private ReplayNode? _node;
    private int _ticks;

    private AgentNode(AgentConfig config, RealTimeLoop loop, ILogger log)
    {
        Config = config;
        _loop = loop;
        _log = log;
        Started = loop.Loop.Time.GetUtcNow();
        _tick = loop.Loop.CreateTimer(static s => ((AgentNode)s!).Tick(), this);
    }

    public AgentConfig Config { get; private set; }
    public Node Node => _node!.Node;
    public DateTimeOffset Started { get; }
    public HomeAgent? HomeAgent { get; private set; }
    public ForeignAgent? ForeignAgent { get; private set; }
    public IReadOnlyList<DeviceLink> Devices => _devices;
    public IReadOnlyList<HostedVm> Vms => _vms;

    /// <summary>The migration receiver of the configuration's <c>migration</c> section, while it runs.</summary>
    public MigrationReceiver? Receiver { get; set; }

    /// <summary>
    /// Builds the node of a checked configuration on <paramref name="loop"/> (not yet running) and opens its devices; a
    /// device that cannot be opened is logged as down and tried again every few seconds, the others serve meanwhile.
    /// </summary>
    public static AgentNode Start(AgentConfig config, RealTimeLoop loop, ILogger log)
    {
        var agent = new AgentNode(config, loop, log);
        try
        {
            agent.Build();
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    private void Build()
    {
        var loop = _loop.Loop;
        if (Config.CapturePath is string path) _capture = CaptureSink.Create(path, Config.CaptureFormat);
        _node = ReplayNode.Build(Config.Node, loop, MobilityRoles.AddTo(new ReplayRoles()), MakeLink, [LinkSpec.Field, LinkImpairment.Field]);
        foreach (var iface in Node.Interfaces)
            if (_segmentOf.TryGetValue(iface.Name, out var segment)) _segments[iface.Name] = (segment, iface);
        foreach (var role in _node.Roles)
        {
            if (role is HomeAgent home) Watch(HomeAgent = home);
            else if (role is ForeignAgent foreign) Watch(ForeignAgent = foreign);
        }
        foreach (var item in Config.Vms)
        {
            var vm = HostedVm.Read(item, loop, _segments);
            _vms.Add(vm);
            string name = vm.Name;
            vm.Port.Client.StateChanged += client =>
            {
                AgentLog.VmRegistration(_log, name, client.State.ToString());
                Changed();
            };
        }
        foreach (var device in _devices)
        {
            device.StateChanged = OnDeviceState;
            device.TryOpen();
        }
        foreach (var vm in _vms)
            if (vm.AttachAtStart) Attach(vm.Name);
        _tick.Schedule(TickInterval);
    }

    private IFrameLink MakeLink(Configuration.ConfigElement item, string name, MacAddress mac, int mtu)
    {
        var spec = LinkSpec.Read(item);
        IFrameLink link;
        if (spec is SegmentLinkSpec s)
        {
            var segment = new EthernetSegment(_loop.Loop, s.Segment, new SegmentOptions { Mtu = mtu });
            _segmentOf[name] = segment;
            link = segment.AddPort(name, mac);
        }
        else
        {
            var device = new DeviceLink(_loop.Loop, name, mac, mtu, (DeviceLinkSpec)spec);
            _devices.Add(device);
            link = device;
        }
        _links.Add(link);
        // The capture sees what the node sends, before the impairment delays or drops it.
        var impaired = LinkImpairment.Wrap(_loop.Loop, link, LinkImpairment.Read(item));
        return _capture is null ? impaired : new CaptureLink(_loop.Loop.Time, impaired, _capture);
    }

    private void Watch(HomeAgent agent)
    {
        agent.RegistrationDecided += d =>
        {
            Changed();
            string home = d.HomeAddress.ToString(), careOf = d.CareOfAddress.ToString();
            if (!d.Code.IsAccepted())
            {
                AgentLog.RegistrationDenied(_log, home, careOf, (int)d.Code, d.Code.ToString());
                return;
            }
            AgentLog.RegistrationAccepted(_log, home, careOf, d.Lifetime, d.Change.ToString());
            if (d.Change is BindingChange.Created or BindingChange.Moved or BindingChange.Added) AgentLog.BindingAdded(_log, home, careOf);
            else if (d.Change is BindingChange.Removed or BindingChange.Deregistered) AgentLog.BindingRemoved(_log, home, d.Change.ToString());
        };
        agent.BindingExpired += b =>
        {
            AgentLog.BindingExpired(_log, b.HomeAddress.ToString(), b.CareOfAddress.ToString());
            Changed();
        };
        agent.TunnelChanged += OnTunnel;
    }

    private void Watch(ForeignAgent agent)
    {
        agent.Relayed += o =>
        {
            Changed();
            if (o.Visitor is not null || o.Action == RelayAction.Denied)
                AgentLog.VisitorRegistration(_log, o.Visitor?.HomeAddress.ToString() ?? "?", o.Action.ToString(), (int)o.Code, o.Code.ToString());
        };
        agent.TunnelChanged += OnTunnel;
    }

    private void OnTunnel(PeerTunnelChanged change)
    {
        Changed();
        if (change.Opened) AgentLog.TunnelCreated(_log, change.Encapsulation.ToString(), change.Peer.ToString());
        else AgentLog.TunnelRemoved(_log, change.Encapsulation.ToString(), change.Peer.ToString());
    }

    private void OnDeviceState(DeviceLink link, bool up, string? reason)
    {
        Changed();
        if (up) AgentLog.LinkUp(_log, link.Name, link.Spec.Describe());
        else AgentLog.LinkDown(_log, link.Name, link.Spec.Describe(), reason ?? "closed");
    }

    /// <summary>Attaches hosted VM <paramref name="name"/> here; null on success, else why not.</summary>
    public string? Attach(string name)
    {
        if (Find(name) is not { } vm) return $"no vm is named '{name}'";
        if (vm.Attach() is string problem) return problem;
        AgentLog.VmAttached(_log, vm.Name, vm.IsHomeLink ? "home" : "away", vm.Interface);
        Changed();
        return null;
    }

    /// <summary>Detaches hosted VM <paramref name="name"/>; null on success, else why not.</summary>
    public string? Detach(string name)
    {
        if (Find(name) is not { } vm) return $"no vm is named '{name}'";
        if (vm.Detach() is string problem) return problem;
        AgentLog.VmDetached(_log, vm.Name);
        Changed();
        return null;
    }

    /// <summary>
    /// The VM named <paramref name="name"/> is about to move (its hypervisor pauses it): this node's home agent takes its
    /// packets and holds them until it registers from its new place or is back home (<see cref="HomeAgent.BeginHandover"/>);
    /// null on success, else why not.
    /// </summary>
    public string? Handover(string name)
    {
        if (Find(name) is not { } vm) return $"no vm is named '{name}'";
        if (HomeAgent is not { } home) return $"node {Config.Name} is no home agent";
        if (!home.BeginHandover(vm.Port.HomeAddress, vm.Port.Mac)) return $"the home agent does not serve {vm.Port.HomeAddress}";
        AgentLog.VmHandover(_log, vm.Name);
        Changed();
        return null;
    }

    /// <summary>
    /// Before the node stops: every hosted VM attached here away from home with a registration in force deregisters that
    /// care-of address through this node's foreign agent (<see cref="RegistrationClient.LeaveAway"/>), so that its home
    /// agent does not go on tunnelling into a host that is going (RFC 5944 sec 3.6.1.2). The task completes when every one
    /// was answered; the caller bounds the wait.
    /// </summary>
    public Task LeaveAway()
    {
        var answered = new List<Task>();
        foreach (var vm in _vms)
        {
            if (!vm.IsAttached || vm.IsHomeLink) continue;
            var client = vm.Port.Client;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Watch(RegistrationClient c)
            {
                if (c.State == RegistrationState.Deregistering) return;
                c.StateChanged -= Watch;
                done.TrySetResult();
            }
            string careOf = client.Agent?.CareOfAddress.ToString() ?? "?";
            client.StateChanged += Watch;
            if (!client.LeaveAway())
            {
                client.StateChanged -= Watch;
                continue;
            }
            AgentLog.VmLeaving(_log, vm.Name, careOf);
            answered.Add(done.Task);
        }
        return Task.WhenAll(answered);
    }

    private HostedVm? Find(string name) => _vms.Find(v => v.Name == name);

    private void Tick()
    {
        foreach (var device in _devices) device.Check();
        if (++_ticks % DropReportTicks == 0) _drops.Report(this, _log, DropReportTicks);
        _capture?.Flush();
        _tick.Schedule(TickInterval);
    }

    /// <summary>Lets every device go (detaching the VMs, closing TAPs, which removes those the daemon created) and closes the capture.</summary>
    public void Dispose()
    {
        _tick.Dispose();
        foreach (var vm in _vms) vm.Dispose();
        _vms.Clear();
        _node?.Dispose();
        foreach (var device in _devices) device.Dispose();
        _capture?.Dispose();
        _capture = null;
    }
}
