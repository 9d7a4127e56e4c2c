namespace NetMobility.Net;

/// <summary>Why a node discarded a frame or a packet.</summary>
public enum NodeDrop
{
    /// <summary>A frame shorter than its Ethernet header.</summary>
    MalformedFrame,
    /// <summary>A unicast frame for another hardware address (the interface is not promiscuous).</summary>
    NotForThisHost,
    /// <summary>An EtherType the node does not speak.</summary>
    UnknownEtherType,
    /// <summary>An ARP packet that does not parse.</summary>
    MalformedArp,
    /// <summary>An IPv4 header that does not parse (length, version, options).</summary>
    MalformedIp,
    /// <summary>An IPv4 header checksum that does not verify.</summary>
    BadChecksum,
    /// <summary>A source address no packet may carry: broadcast, multicast, loopback (RFC 1812 sec 5.3.7).</summary>
    MartianSource,
    /// <summary>The source does not route back out of the interface the packet came in on (RFC 3704 sec 2.2, strict uRPF).</summary>
    IngressFiltered,
    /// <summary>A host received a packet for someone else.</summary>
    NotForwarding,
    /// <summary>A unicast packet that came in a link-layer broadcast is not forwarded (RFC 1812 sec 5.3.4).</summary>
    LinkBroadcast,
    /// <summary>The TTL ran out (RFC 1812 sec 5.3.1).</summary>
    TtlExpired,
    /// <summary>No route to the destination.</summary>
    NoRoute,
    /// <summary>The packet does not fit the next hop's MTU and may not be fragmented (DF).</summary>
    FragmentationNeeded,
    /// <summary>A fragment that cannot be part of a datagram: misaligned, beyond 64 KiB, or disagreeing on the length.</summary>
    BadFragment,
    /// <summary>Too many datagrams were being reassembled at once.</summary>
    ReassemblyOverflow,
    /// <summary>A datagram whose fragments did not all arrive in time (counted once per datagram).</summary>
    ReassemblyTimeout,
    /// <summary>The next hop's hardware address could not be resolved.</summary>
    ArpUnresolved,
    /// <summary>Too many packets were waiting for one address; the oldest went.</summary>
    ArpQueueFull,
    /// <summary>The neighbour table was full.</summary>
    ArpCacheFull,
    /// <summary>No handler for the IP protocol of a packet for this node.</summary>
    NoProtocolHandler,
    /// <summary>No listener on the UDP port of a datagram for this node.</summary>
    NoUdpListener,
    /// <summary>A UDP datagram that does not parse or whose checksum does not verify.</summary>
    MalformedUdp,
    /// <summary>An ICMP message that does not parse or whose checksum does not verify.</summary>
    MalformedIcmp,
    /// <summary>The outgoing interface is down.</summary>
    InterfaceDown,
    /// <summary>The outgoing link refused the frame (its queue was full).</summary>
    LinkRefused,
}

/// <summary>A node's traffic counts and its drops by reason. Updated on the event loop; read at any time.</summary>
public sealed class NodeCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<NodeDrop>().Length];

    public long FramesReceived { get; internal set; }
    public long PacketsReceived { get; internal set; }
    /// <summary>Packets handed to a protocol handler, a UDP listener or the node's own ICMP.</summary>
    public long PacketsDelivered { get; internal set; }
    public long PacketsForwarded { get; internal set; }
    /// <summary>Packets this node originated.</summary>
    public long PacketsSent { get; internal set; }
    /// <summary>Frames a frame hook took before the node looked at them.</summary>
    public long FramesHooked { get; internal set; }
    /// <summary>Packets a hook took before delivery or forwarding.</summary>
    public long PacketsHooked { get; internal set; }
    public long IcmpErrorsSent { get; internal set; }
    /// <summary>ICMP errors not sent because of the rate limit.</summary>
    public long IcmpErrorsSuppressed { get; internal set; }
    public long EchoRepliesSent { get; internal set; }
    /// <summary>Datagrams put back together from fragments and delivered.</summary>
    public long DatagramsReassembled { get; internal set; }

    public long Drops(NodeDrop reason) => _drops[(int)reason];

    public long TotalDrops
    {
        get
        {
            long total = 0;
            foreach (long d in _drops) total += d;
            return total;
        }
    }

    internal void CountDrop(NodeDrop reason) => _drops[(int)reason]++;

    public override string ToString() =>
        $"received {PacketsReceived}, delivered {PacketsDelivered}, forwarded {PacketsForwarded}, sent {PacketsSent}, dropped {TotalDrops}";
}
