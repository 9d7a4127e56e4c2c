using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Tests.Tunnels;

/// <summary>Inner packets for tunnel tests.</summary>
internal static class TestPackets
{
    public static readonly MacAddress HostMac = MacAddress.Parse("02:00:00:00:00:01");
    public static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:02");

    /// <summary>
    /// Addresses of the hosts behind the tunnel ends. An inner packet from or to an end's own outer address is one a
    /// tunnel refuses (RFC 2003 sec 3.2, RFC 2784 sec 3.1), so the tests' inner packets travel between these.
    /// </summary>
    public static readonly Ipv4Address InnerSource = Ipv4Address.Parse("10.0.1.2");
    public static readonly Ipv4Address InnerDestination = Ipv4Address.Parse("10.0.2.2");

    /// <summary>An IPv4 ICMP echo request (id 1, the given sequence number) with <paramref name="dataLength"/> bytes of patterned data.</summary>
    public static byte[] Echo(Ipv4Address source, Ipv4Address destination, int sequence, int dataLength,
        bool dontFragment = false, byte ttl = 64, byte tos = 0)
    {
        var packet = new byte[20 + 8 + dataLength];
        new Ipv4Header(source, destination, IpProtocol.Icmp, 8 + dataLength, ttl, (ushort)sequence, dontFragment,
            Dscp: (byte)(tos >> 2), Ecn: (byte)(tos & 3)).Emit(packet);
        var icmp = packet.AsSpan(20);
        icmp[0] = 8; // echo request, RFC 792
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)sequence);
        for (int i = 0; i < dataLength; i++) icmp[8 + i] = (byte)(i * 7 + sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return packet;
    }

    /// <summary><paramref name="ipPacket"/> in an untagged Ethernet II frame.</summary>
    public static byte[] Frame(byte[] ipPacket)
    {
        var frame = new byte[14 + ipPacket.Length];
        new EthernetHeader(PeerMac, HostMac, EtherType.Ipv4).Emit(frame);
        ipPacket.CopyTo(frame, 14);
        return frame;
    }
}
