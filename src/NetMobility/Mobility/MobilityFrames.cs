using NetMobility.Wire;
using NetMobility.Mobility.Registration;

namespace NetMobility.Mobility;

/// <summary>
/// Ethernet frames an agent or a hypervisor puts on a link itself, from a hardware address that is not
/// necessarily its node's own: registration messages to and from visitors, solicitations made for a VM, and
/// IPv4 packets delivered to a visitor's hardware address.
/// </summary>
internal static class MobilityFrames
{
    /// <summary>Writes a frame carrying one UDP datagram (checksums computed); returns its length.</summary>
    public static int WriteUdp(Span<byte> frame, MacAddress destinationMac, MacAddress sourceMac, in RegistrationAddressing addressing, ushort identification, ReadOnlySpan<byte> payload)
    {
        int ethernet = new EthernetHeader(destinationMac, sourceMac, EtherType.Ipv4).Emit(frame);
        var udp = new UdpHeader(addressing.SourcePort, addressing.DestinationPort, payload.Length);
        var ip = new Ipv4Header(addressing.Source, addressing.Destination, IpProtocol.Udp, udp.BufferLength, addressing.TimeToLive, identification);
        int ipLength = ip.Emit(frame[ethernet..]);
        var datagram = frame.Slice(ethernet + ipLength, udp.BufferLength);
        payload.CopyTo(datagram[UdpHeader.HeaderLength..]);
        udp.Emit(datagram, addressing.Source, addressing.Destination);
        return ethernet + ipLength + udp.BufferLength;
    }

    /// <summary>Writes a frame carrying an IPv4 datagram built from <paramref name="header"/> and <paramref name="payload"/>; returns its length.</summary>
    public static int WriteIp(Span<byte> frame, MacAddress destinationMac, MacAddress sourceMac, in Ipv4Header header, ReadOnlySpan<byte> payload)
    {
        int ethernet = new EthernetHeader(destinationMac, sourceMac, EtherType.Ipv4).Emit(frame);
        int ipLength = (header with { PayloadLength = payload.Length }).Emit(frame[ethernet..]);
        payload.CopyTo(frame[(ethernet + ipLength)..]);
        return ethernet + ipLength + payload.Length;
    }

    /// <summary>Writes a frame carrying <paramref name="packet"/>, an IPv4 datagram as it is; returns its length.</summary>
    public static int WritePacket(Span<byte> frame, MacAddress destinationMac, MacAddress sourceMac, ReadOnlySpan<byte> packet)
    {
        int ethernet = new EthernetHeader(destinationMac, sourceMac, EtherType.Ipv4).Emit(frame);
        packet.CopyTo(frame[ethernet..]);
        return ethernet + packet.Length;
    }
}
