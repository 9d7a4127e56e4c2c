namespace NetMobility.Tunnels;

/// <summary>Why a tunnel endpoint dropped a packet. Each reason has its own counter in <see cref="TunnelCounters"/>.</summary>
public enum TunnelDropReason
{
    /// <summary>The outer IPv4 header or the encapsulation header does not parse (or the inner packet on send).</summary>
    Malformed,
    /// <summary>The outer source or destination address is not this tunnel's remote or local address.</summary>
    AddressMismatch,
    /// <summary>The outer packet is an IPv4 fragment; endpoints decapsulate whole packets only.</summary>
    OuterFragment,
    /// <summary>The payload protocol (GRE protocol type, inner IP version) is not one this tunnel carries.</summary>
    UnknownProtocol,
    /// <summary>The packet carries a key other than the input key, or a key where the tunnel expects none.</summary>
    BadKey,
    /// <summary>The input key is configured and the packet carries no key.</summary>
    MissingKey,
    /// <summary>The GRE checksum (RFC 2784 sec 2.5) or minimal forwarding header checksum does not verify.</summary>
    BadChecksum,
    /// <summary>Input checksums are required (icsum) and the packet carries none.</summary>
    MissingChecksum,
    /// <summary>Input sequencing is on (iseq) and the packet carries no sequence number.</summary>
    MissingSequence,
    /// <summary>The sequence number is not after the last one delivered (RFC 2890 sec 2.2): the packet came too late.</summary>
    LateSequence,
    /// <summary>The sequence number equals one already waiting in the receive window.</summary>
    DuplicateSequence,
    /// <summary>On send: the packet does not fit the tunnel MTU and may not be fragmented.</summary>
    TooBig,
    /// <summary>On send: the packet cannot travel this kind of tunnel (a fragment in minimal encapsulation, RFC 2004 sec 3).</summary>
    Unencapsulable,
    /// <summary>On send: the outer packet was routed back into the same tunnel (a tunnel over itself).</summary>
    Loop,
    /// <summary>On receive: the bounded queue of decapsulated packets waiting for the node was full.</summary>
    QueueFull,
    /// <summary>
    /// The inner IPv4 packet has TTL 0: never encapsulated, and discarded after decapsulation (RFC 2003 sec 3.1;
    /// RFC 1122 sec 3.2.1.7: a host never sends TTL 0).
    /// </summary>
    TtlZero,
    /// <summary>On send: the inner source is the tunnel's own exit point or entry address, so it has looped (RFC 2003 sec 3.2).</summary>
    SourceIsTunnelEnd,
    /// <summary>On receive: the decapsulated payload is addressed to the tunnel's far end, whence it came; forwarding it would loop (RFC 2784 sec 3.1).</summary>
    LoopingPayload,
    /// <summary>On receive: the outer header is marked Congestion Experienced and the inner packet is Not-ECT, so the mark cannot be passed on (RFC 6040 sec 4.2).</summary>
    CongestionNotEct,
}
