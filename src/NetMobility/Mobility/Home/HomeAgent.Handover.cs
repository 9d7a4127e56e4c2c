using NetMobility.Wire;

namespace NetMobility.Mobility.Home;

public sealed partial class HomeAgent
{
    private readonly Dictionary<uint, Hold> _holds = [];

    private sealed class Hold(HandoverBuffer buffer, long deadlineTicks)
    {
        public HandoverBuffer Buffer { get; } = buffer;
        public long DeadlineTicks { get; } = deadlineTicks;
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
    /// </summary>
    public bool BeginHandover(Ipv4Address homeAddress, MacAddress? nodeMac = null)
    {
        if (!MobileNodes.Contains(homeAddress)) return false;
        if (nodeMac is MacAddress mac) SetNodeLinkAddress(homeAddress, mac);
        if (!_holds.ContainsKey(homeAddress.Value))
        {
            var deadline = (_time.GetUtcNow() + _options.HandoverTimeout).UtcTicks;
            _holds.Add(homeAddress.Value, new Hold(new HandoverBuffer(_options.HandoverPackets, _options.HandoverBytes), deadline));
        }
        StartProxy(homeAddress);
        Reschedule();
        return true;
    }

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
        int released = intoTunnels ? hold.Buffer.Release(new TunnelSink(this)) : hold.Buffer.Release(new HomeLinkSink(this));
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

    private readonly struct HomeLinkSink(HomeAgent agent) : IHeldPacketSink
    {
        public void Release(ReadOnlySpan<byte> packet) => agent._node.SendIp(packet);
    }
}
