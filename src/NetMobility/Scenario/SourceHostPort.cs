using NetMobility.Links;
using NetMobility.Mobility;
using NetMobility.Wire;
using NetMobility.Mobility.Home;

namespace NetMobility.Scenario;

/// <summary>Where the VM stands from the source host's point of view, as its port there sees it.</summary>
public enum SourcePortState
{
    /// <summary>The VM runs here: frames pass straight through.</summary>
    Running,
    /// <summary>Paused for stop-and-copy: frames for the VM are queued; it may yet resume here.</summary>
    Paused,
    /// <summary>The destination has the VM: what still reaches this port for it goes on to the home agent.</summary>
    HandedOver,
}

/// <summary>
/// The VM's port on the source host, as the source hypervisor runs it: between the home link's port and the VM's
/// <see cref="VmPort"/>. While the VM runs, frames pass through. While it is paused for stop-and-copy, what
/// arrives for it is queued, in order and bounded, as a stopped guest's receive queue is (DESIGN.md, "Switchover",
/// step 3), because the VM may yet resume here: when it does (the migration failed), the queue goes to it first.
/// Once the destination has confirmed the image, the source hands the queue to the home agent, and with it
/// whatever still reaches this port before the home link has taken the agent's gratuitous ARP: every IPv4
/// packet for the VM's hardware address is sent on to the agent's, which holds it for the new tunnel. Runs on
/// the event loop.
/// </summary>
public sealed class SourceHostPort : IFrameLink, IDisposable
{
    private readonly IFrameLink _inner;
    private readonly HandoverBuffer _queue;
    private readonly byte[] _forward;
    private MacAddress? _homeAgent;

    public SourceHostPort(IFrameLink homePort, int queueFrames = 1024, int queueBytes = 1 << 20)
    {
        _inner = homePort;
        _queue = new HandoverBuffer(queueFrames, queueBytes);
        _forward = new byte[FrameCheck.MaxFrameLength(homePort.Mtu)];
        homePort.Receiver = OnFrame;
    }

    public string Name => _inner.Name;
    public MacAddress Mac => _inner.Mac;
    public int Mtu => _inner.Mtu;

    public bool IsUp
    {
        get => _inner.IsUp;
        set => _inner.IsUp = value;
    }

    /// <summary>Where frames for the VM go while it runs here: its <see cref="VmPort"/>.</summary>
    public FrameReceiver? Receiver { get; set; }

    /// <summary>The home link port's counters: this port only steers what passes.</summary>
    public LinkCounters Counters => _inner.Counters;

    public SourcePortState State { get; private set; }

    /// <summary>Frames queued while the VM was paused (and not refused by the bounds).</summary>
    public long Queued => _queue.Held;

    /// <summary>Frames that arrived while the VM was paused and did not fit the queue.</summary>
    public long QueueDropped => _queue.Dropped;

    /// <summary>Queued frames delivered to the VM when it resumed here.</summary>
    public long DeliveredOnResume { get; private set; }

    /// <summary>Packets for the VM sent on to the home agent after the hand-over, the queue's included.</summary>
    public long Forwarded { get; private set; }

    /// <summary>Frames that reached the port after the hand-over and were not IPv4 for the VM (ARP, broadcasts): not the agent's business.</summary>
    public long Discarded { get; private set; }

    /// <summary>The VM sends only while it runs here.</summary>
    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (State != SourcePortState.Running)
        {
            _inner.Counters.CountDrop(LinkDrop.Down);
            return false;
        }
        return _inner.Send(frame);
    }

    /// <summary>Stop-and-copy begins: from now on frames for the VM wait in the queue.</summary>
    public void Pause()
    {
        if (State != SourcePortState.Running) throw new InvalidOperationException($"the port is {State}, not running");
        State = SourcePortState.Paused;
    }

    /// <summary>The migration failed and the VM runs here again (plugged back first): the queue goes to it, in order.</summary>
    public void Resume()
    {
        if (State != SourcePortState.Paused) throw new InvalidOperationException($"the port is {State}, not paused");
        State = SourcePortState.Running;
        DeliveredOnResume += _queue.Release(new ToVm(this));
    }

    /// <summary>
    /// The destination has the VM and <paramref name="homeAgentMac"/>'s agent has begun holding its packets: the queue,
    /// and from now on every IPv4 packet for the VM that still arrives here, goes to the agent.
    /// </summary>
    public void HandOver(MacAddress homeAgentMac)
    {
        if (State != SourcePortState.Paused) throw new InvalidOperationException($"the port is {State}, not paused");
        State = SourcePortState.HandedOver;
        _homeAgent = homeAgentMac;
        _queue.Release(new ToHomeAgent(this));
    }

    /// <summary>
    /// The destination has the VM, and what this port queued for it goes with it (<paramref name="vm"/>, where it runs
    /// now), as a stopped guest's receive queue is part of what moves; from now on nothing more is the VM's here (a port
    /// on a foreign host, with no home agent on its link to send it to).
    /// </summary>
    public void HandOverTo(FrameReceiver vm)
    {
        if (State != SourcePortState.Paused) throw new InvalidOperationException($"the port is {State}, not paused");
        State = SourcePortState.HandedOver;
        _homeAgent = null;
        HandedOverWithVm += _queue.Release(new ToReceiver(vm));
    }

    /// <summary>Queued frames that went with the VM to its destination (<see cref="HandOverTo"/>).</summary>
    public long HandedOverWithVm { get; private set; }

    /// <summary>
    /// The migration failed after the VM's packets were handed to the home agent: the VM runs here again (plugged back
    /// first), and from now on frames pass straight through; the agent sends it what it held.
    /// </summary>
    public void ResumeHere()
    {
        if (State != SourcePortState.HandedOver) throw new InvalidOperationException($"the port is {State}, not handed over");
        State = SourcePortState.Running;
    }

    public void Dispose() => _queue.Dispose();

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        switch (State)
        {
            case SourcePortState.Running:
                Receiver?.Invoke(frame);
                break;
            case SourcePortState.Paused:
                _queue.TryHold(frame); // a frame that does not fit is counted by the queue
                break;
            default:
                SendToHomeAgent(frame);
                break;
        }
    }

    /// <summary>An IPv4 packet framed for the VM goes out again to the home agent's hardware address, from the VM's.</summary>
    private void SendToHomeAgent(ReadOnlySpan<byte> frame)
    {
        if (_homeAgent is not MacAddress homeAgent || !EthernetFrame.TryCreate(frame, out var ethernet, out _) || ethernet.EtherType != EtherType.Ipv4 || ethernet.Destination != Mac
            || ethernet.HasVlanTag || frame.Length > _forward.Length)
        {
            Discarded++;
            return;
        }
        var copy = _forward.AsSpan(0, frame.Length);
        frame.CopyTo(copy);
        // The source address must be this port's own: the home link's switch learns sources, and the original
        // sender (the home router) sits behind another port.
        new EthernetHeader(homeAgent, Mac, EtherType.Ipv4).Emit(copy);
        if (_inner.Send(copy)) Forwarded++;
    }

    private readonly struct ToVm(SourceHostPort port) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => port.Receiver?.Invoke(packet);
    }

    private readonly struct ToReceiver(FrameReceiver receiver) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => receiver(packet);
    }

    private readonly struct ToHomeAgent(SourceHostPort port) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => port.SendToHomeAgent(packet);
    }
}
