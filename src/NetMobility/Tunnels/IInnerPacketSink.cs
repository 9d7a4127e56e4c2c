using NetMobility.Wire;

namespace NetMobility.Tunnels;

/// <summary>Takes the inner packets a tunnel endpoint releases after decapsulation, in order.</summary>
public interface IInnerPacketSink
{
    /// <summary>
    /// One inner packet: an IPv4 packet for <see cref="EtherType.Ipv4"/>, an Ethernet frame for
    /// <see cref="EtherType.TransparentEthernetBridging"/>. <paramref name="payload"/> is valid only during the call.
    /// </summary>
    void Deliver(EtherType protocol, ReadOnlySpan<byte> payload);
}
