using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>
/// What an encapsulator tells the original sender when a router inside the tunnel sends it an ICMP error about an
/// outer packet (RFC 2003 sec 4, the table of sec 4.1; RFC 2784 sec 3 and RFC 2004 sec 3 point GRE and minimal
/// encapsulation to the same rules).
/// </summary>
internal static class TunnelIcmpRelay
{
    /// <summary>
    /// The Destination Unreachable code to relay for an error of <paramref name="type"/>/<paramref name="code"/>, or
    /// false when it is not relayed:
    /// <list type="bullet">
    /// <item>network and protocol unreachable: network unreachable, code 0 (sec 4.1: code 1 is allowed only when the
    /// destination is on the encapsulator's own network, otherwise the code MUST be 0);</item>
    /// <item>host unreachable: host unreachable (sec 4.1);</item>
    /// <item>datagram too big: datagram too big, with the tunnel's MTU (sec 4.1 MUST, sec 5.1);</item>
    /// <item>port unreachable and source route failed: never (sec 4.1 MUST NOT);</item>
    /// <item>time exceeded: host unreachable (sec 4.4 MUST);</item>
    /// <item>source quench (sec 4.2), redirect (sec 4.3) and parameter problem (sec 4.5, about a header the
    /// encapsulator wrote): never.</item>
    /// </list>
    /// </summary>
    public static bool TryMap(Icmpv4Type type, byte code, out Icmpv4UnreachableCode relayed)
    {
        relayed = default;
        switch (type)
        {
            case Icmpv4Type.DestinationUnreachable:
                switch ((Icmpv4UnreachableCode)code)
                {
                    case Icmpv4UnreachableCode.Network:
                    case Icmpv4UnreachableCode.Protocol:
                        relayed = Icmpv4UnreachableCode.Network;
                        return true;
                    case Icmpv4UnreachableCode.Host:
                        relayed = Icmpv4UnreachableCode.Host;
                        return true;
                    case Icmpv4UnreachableCode.FragmentationNeeded:
                        relayed = Icmpv4UnreachableCode.FragmentationNeeded;
                        return true;
                    default:
                        return false;
                }
            case Icmpv4Type.TimeExceeded:
                relayed = Icmpv4UnreachableCode.Host;
                return true;
            default:
                return false;
        }
    }

    /// <summary>True when <paramref name="quotedOuter"/> is an outer packet <paramref name="endpoint"/> sent: its protocol, from its local to its remote address.</summary>
    public static bool IsFrom(ITunnelEndpoint endpoint, Ipv4Packet quotedOuter) =>
        quotedOuter.Protocol == endpoint.OuterProtocol && quotedOuter.Source == endpoint.Local && quotedOuter.Destination == endpoint.Remote;

    /// <summary>
    /// Acts on one error about an outer packet: datagram too big lowers the tunnel MTU (RFC 2003 sec 5.1), destination
    /// unreachable updates the reachability soft state (sec 5), and the error the table maps it to goes to the sender
    /// of the inner packet when <paramref name="innerQuote"/> holds its header. A too-big report is relayed only to a
    /// sender that set DF, the one that asked to learn the path MTU; a packet without DF is fragmented to the new MTU
    /// from the next one on. Time exceeded is relayed but kept as no state: with an outer TTL copied from the inner
    /// one it speaks of that one packet, not of the tunnel.
    /// </summary>
    public static void Handle(Icmpv4Packet error, ReadOnlySpan<byte> innerQuote, TunnelPathMtu mtu, TunnelReachability reachability,
        TunnelCounters counters, ITunnelHost host)
    {
        counters.IcmpErrorReceived();
        if (!TryMap(error.Type, error.Code, out var relayed)) return;
        bool tooBig = relayed == Icmpv4UnreachableCode.FragmentationNeeded;
        int tunnelMtu = tooBig ? mtu.Learn(error.NextHopMtu) : 0;
        if (!tooBig && error.Type == Icmpv4Type.DestinationUnreachable) reachability.Unreachable(relayed);
        if (!Ipv4Packet.TryCreateQuoted(innerQuote, out var inner, out _)) return;
        if (tooBig && !inner.DontFragment) return;
        counters.IcmpErrorRelayed();
        if (tooBig) host.ReportTooBig(inner.Buffer, tunnelMtu);
        else host.ReportUnreachable(inner.Buffer, relayed);
    }
}
