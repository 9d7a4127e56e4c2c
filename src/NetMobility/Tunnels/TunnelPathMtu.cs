namespace NetMobility.Tunnels;

/// <summary>
/// A tunnel's MTU soft state (RFC 2003 sec 5 and 5.1, which every encapsulator MUST keep to serve senders that do
/// Path MTU Discovery): the configured tunnel MTU until a router inside the tunnel reports a smaller path with ICMP
/// datagram too big, then that path's MTU less the encapsulation, for ten minutes (RFC 1191 sec 6.3's aging) unless
/// another report lowers it again. Reading it allocates nothing.
/// </summary>
internal sealed class TunnelPathMtu(TunnelOptions options, TimeProvider time)
{
    /// <summary>How long a learned MTU holds before the configured one is tried again (RFC 1191 sec 6.3: at least five minutes, ten recommended).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private int _learned;
    private long _untilTicks;

    /// <summary>The largest inner IPv4 packet sent now without fragmenting.</summary>
    public int Current => _learned != 0 && time.GetUtcNow().UtcTicks < _untilTicks ? _learned : options.Mtu;

    /// <summary>
    /// Takes a datagram-too-big report's next-hop MTU (the MTU of the outer path) and returns the tunnel MTU that
    /// follows from it: that MTU less the encapsulation (RFC 2003 sec 5.1), never below 68 (RFC 791) nor above the
    /// configured one. A report without a next-hop MTU (RFC 1191 sec 5: a router older than RFC 1191) teaches nothing.
    /// </summary>
    public int Learn(ushort nextHopMtu)
    {
        if (nextHopMtu == 0) return Current;
        int mtu = Math.Clamp(nextHopMtu - options.Overhead, TunnelMtu.MinInnerMtu, options.Mtu);
        int current = Current;
        if (mtu >= current) return current;
        _learned = mtu;
        _untilTicks = (time.GetUtcNow() + Lifetime).UtcTicks;
        return mtu;
    }
}
