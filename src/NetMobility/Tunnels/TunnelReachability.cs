using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// A tunnel's reachability soft state (RFC 2003 sec 5): what routers inside the tunnel said about the far end. An ICMP
/// error from inside often quotes only the outer header and 8 octets after it (RFC 792), too little to name the inner
/// sender, so the error cannot be relayed when it arrives (sec 4). The encapsulator keeps it instead, and each later
/// packet into the tunnel while it holds gets the destination unreachable the error maps to (sec 4.1) sent back to its
/// sender; the packet is still encapsulated and sent on (sec 5: "but also encapsulates the datagram and forwards it").
/// </summary>
/// <remarks>
/// How long and how often, RFC 2003 leaves open. As Linux's IP tunnels do (<c>err_count</c>, <c>IPTUNNEL_ERR_TIMEO</c>),
/// each error received buys one report, within 30 seconds of the last error: senders hear about as many failures
/// as the tunnel saw, never a flood, and a tunnel whose far end came back stops reporting at once, when a packet from
/// it arrives.
/// </remarks>
internal sealed class TunnelReachability(TimeProvider time)
{
    /// <summary>How long the errors received keep being reported to later senders (Linux: <c>IPTUNNEL_ERR_TIMEO</c>, 30 s).</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    private int _pending;
    private long _untilTicks;
    private Icmpv4UnreachableCode _code;

    /// <summary>Reports still owed to senders.</summary>
    public int Pending => _pending != 0 && time.GetUtcNow().UtcTicks < _untilTicks ? _pending : 0;

    /// <summary>A router inside the tunnel could not reach the far end: one more report, of <paramref name="code"/>, for the next sender.</summary>
    public void Unreachable(Icmpv4UnreachableCode code)
    {
        _pending = Pending + 1;
        _code = code;
        _untilTicks = (time.GetUtcNow() + Hold).UtcTicks;
    }

    /// <summary>A packet came through from the far end: it is reachable again.</summary>
    public void Reached() => _pending = 0;

    /// <summary>True (and one report used) when the sender of the packet about to go in is to be told <paramref name="code"/>.</summary>
    public bool TryTake(out Icmpv4UnreachableCode code)
    {
        code = _code;
        if (_pending == 0 || Pending == 0) return false;
        _pending--;
        return true;
    }
}
