using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

public sealed partial class HomeAgent
{
    private readonly Dictionary<uint, Hold> _holds = [];

    private sealed class Hold(HandoverBuffer buffer, long deadlineTicks, bool committed)
    {
        public HandoverBuffer Buffer { get; } = buffer;
        public long DeadlineTicks { get; } = deadlineTicks;

        /// <summary>The move is certain: a binding away releases the packets into its tunnel.</summary>
        public bool Committed { get; set; } = committed;
    }

    /// <summary>True while packets for <paramref name="homeAddress"/> are being held for a move.</summary>
    public bool IsHolding(Ipv4Address homeAddress) => _holds.ContainsKey(homeAddress.Value);

    /// <summary>Packets held for <paramref name="homeAddress"/> now.</summary>
    public int HeldPackets(Ipv4Address homeAddress) => _holds.TryGetValue(homeAddress.Value, out var hold) ? hold.Buffer.Count : 0;

    /// <summary>
    /// The node with <paramref name="homeAddress"/> is about to be moved (its VM paused): from now on the agent takes
    /// its packets (answering ARP for it, announced on the home link, if it was at home) and holds them, in order and
    /// bounded, until the node registers from its new place, when they go into the new tunnel; or until it is back
    /// home, when they are sent to it there; or until <see cref="HomeAgentOptions.HandoverTimeout"/> passes, when they
    /// are dropped. False when the address is not one this agent serves. <paramref name="nodeMac"/>, the node's hardware
    /// address (which the hypervisor moving it knows), is what the agent announces for it should it come back.
    /// <para>
    /// With <paramref name="untilCommitted"/> the move may still fail (the VM paused for stop-and-copy, its destination
    /// not yet confirmed): a registration from the new place is accepted and its tunnel made, but the packets stay held
    /// until <see cref="CommitHandover"/> says the move is done, or <see cref="CancelHandover"/> that it is not.
    /// </para>
    /// </summary>
    public bool BeginHandover(Ipv4Address homeAddress, MacAddress? nodeMac = null, bool untilCommitted = false)
    {
        if (!MobileNodes.Contains(homeAddress)) return false;
        if (nodeMac is MacAddress mac) SetNodeLinkAddress(homeAddress, mac);
        if (!_holds.ContainsKey(homeAddress.Value))
        {
            var deadline = (_time.GetUtcNow() + _options.HandoverTimeout).UtcTicks;
            _holds.Add(homeAddress.Value, new Hold(new HandoverBuffer(_options.HandoverPackets, _options.HandoverBytes), deadline, !untilCommitted));
        }
        StartProxy(homeAddress);
        Reschedule();
        return true;
    }

    /// <summary>
    /// The move begun with <see cref="BeginHandover"/> is done (the destination has the VM): the held packets go into the
    /// tunnel of the new binding now, or when its registration comes. False when nothing is held for the address.
    /// </summary>
    public bool CommitHandover(Ipv4Address homeAddress)
    {
        if (!_holds.TryGetValue(homeAddress.Value, out var hold)) return false;
        hold.Committed = true;
        if (Bindings.IsAway(homeAddress)) ReleaseHeld(homeAddress, intoTunnels: true);
        return true;
    }

    /// <summary>
    /// The move begun with <see cref="BeginHandover"/> failed and the node runs at home again: whatever binding its new
    /// place registered meanwhile is removed with its tunnel, the agent stops answering for it (announcing the node's
    /// own hardware address), and the held packets go to it on the home link, in order. False when nothing is held.
    /// </summary>
    public bool CancelHandover(Ipv4Address homeAddress)
    {
        if (!_holds.ContainsKey(homeAddress.Value)) return false;
        if (Bindings.Deregister(homeAddress, homeAddress) != BindingChange.None)
        {
            Counters.Cancelled++;
            UpdateTunnels(homeAddress);
        }
        StopProxy(homeAddress);
        ReleaseHeld(homeAddress, intoTunnels: false);
        Reschedule();
        return true;
    }

    /// <summary>A binding change for <paramref name="home"/> releases its held packets unless the move is still to be committed and the node is away.</summary>
    private bool MayRelease(Ipv4Address home) =>
        !_holds.TryGetValue(home.Value, out var hold) || hold.Committed || !Bindings.IsAway(home);

    private DateTimeOffset? NextHoldDeadline
    {
        get
        {
            long next = long.MaxValue;
            foreach (var hold in _holds.Values) next = Math.Min(next, hold.DeadlineTicks);
            return next == long.MaxValue ? null : new DateTimeOffset(next, TimeSpan.Zero);
        }
    }

    /// <summary>Sends the packets held for <paramref name="home"/>, in order: into its tunnels, or straight to it on the home link.</summary>
    private void ReleaseHeld(Ipv4Address home, bool intoTunnels)
    {
        if (!_holds.Remove(home.Value, out var hold)) return;
        // Home again: straight to the node's hardware address when the agent knows it, since an ARP queue would take
        // only the first few of what was held.
        int released = intoTunnels ? hold.Buffer.Release(new TunnelSink(this))
            : _nodeMacs.TryGetValue(home.Value, out var mac) ? hold.Buffer.Release(new NodeFrameSink(this, mac))
            : hold.Buffer.Release(new HomeLinkSink(this));
        Counters.HandoverReleased += released;
        Counters.HandoverDropped += hold.Buffer.Dropped;
        hold.Buffer.Dispose();
    }

    private void ExpireHolds(DateTimeOffset now)
    {
        List<uint>? late = null;
        foreach (var (home, hold) in _holds)
            if (hold.DeadlineTicks <= now.UtcTicks) (late ??= []).Add(home);
        if (late is null) return;
        foreach (uint home in late)
        {
            _holds.Remove(home, out var hold);
            hold!.Buffer.Discard();
            Counters.HandoverDropped += hold.Buffer.Dropped;
            hold.Buffer.Dispose();
            // The move never registered: the node is where it was, at home unless a binding says otherwise.
            if (!Bindings.IsAway(new Ipv4Address(home))) StopProxy(new Ipv4Address(home));
        }
    }

    private readonly struct TunnelSink(HomeAgent agent) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => agent.Tunnel(packet);
    }

    private readonly struct NodeFrameSink(HomeAgent agent, MacAddress mac) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => agent.SendToNode(mac, packet);
    }

    /// <summary>A held packet framed to the node on the home link from the agent's own hardware address.</summary>
    private void SendToNode(MacAddress mac, ReadOnlySpan<byte> packet)
    {
        if (packet.Length > _homeLink.Mtu)
        {
            _node.SendIp(packet);
            return;
        }
        var frame = _scratch.AsSpan(0, EthernetHeader.UntaggedLength + packet.Length);
        new EthernetHeader(mac, _homeLink.Mac, EtherType.Ipv4).Emit(frame);
        packet.CopyTo(frame[EthernetHeader.UntaggedLength..]);
        _transmit(frame);
    }

    private readonly struct HomeLinkSink(HomeAgent agent) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => agent._node.SendIp(packet);
    }
}
