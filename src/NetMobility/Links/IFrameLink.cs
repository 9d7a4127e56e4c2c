using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// Called with one received Ethernet frame (no frame check sequence). The span is valid only during the
/// call: a receiver that keeps the frame copies it.
/// </summary>
public delegate void FrameReceiver(ReadOnlySpan<byte> frame);

/// <summary>
/// A network interface seen from the node that owns it: it sends Ethernet frames and hands received
/// ones to <see cref="Receiver"/>. In-memory segments and wires, a Linux TAP device, an AF_PACKET socket and a libpcap
/// device all have this shape; wrappers (impairment, capture) implement it on top of another link.
/// </summary>
/// <remarks>
/// Contract of <see cref="Send"/>: the link copies the bytes into storage it owns before returning, so the
/// caller may reuse its buffer at once. It returns false, and counts a drop in <see cref="Counters"/>,
/// when the link is down, its queue is full, or the frame is shorter than an Ethernet header or longer
/// than <see cref="Mtu"/> plus the frame's Ethernet header. A link never calls <see cref="Receiver"/>
/// from inside <see cref="Send"/>: deliveries run later, on the <see cref="EventLoop"/>, so a frame
/// routed through many nodes does not recurse through their stacks.
/// </remarks>
public interface IFrameLink
{
    string Name { get; }

    /// <summary>The interface's own hardware address (the source of the frames its node sends).</summary>
    MacAddress Mac { get; }

    /// <summary>The largest payload (IP packet) a frame may carry, without the Ethernet header.</summary>
    int Mtu { get; }

    /// <summary>Administrative state. A down link neither sends nor delivers, and counts what it refuses.</summary>
    bool IsUp { get; set; }

    /// <summary>Where received frames go; null discards them (counted as received, then gone).</summary>
    FrameReceiver? Receiver { get; set; }

    LinkCounters Counters { get; }

    /// <summary>Queues <paramref name="frame"/> for transmission; see the type's remarks for the contract.</summary>
    bool Send(ReadOnlySpan<byte> frame);
}
