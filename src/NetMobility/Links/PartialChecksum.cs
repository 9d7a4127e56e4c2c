using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Links;

/// <summary>
/// Completes the TCP or UDP checksum of a frame a packet socket handed over with TP_STATUS_CSUMNOTREADY: the kernel
/// that sent it (a veth's other end, checksum offload on) left only the pseudo-header's sum in the field, for the
/// "hardware" to finish. A router that passes such a frame on as it is delivers a segment every receiver drops.
/// </summary>
internal static class PartialChecksum
{
    private const int EthernetLength = 14, VlanLength = 4;
    private const ushort Ipv4Type = 0x0800, VlanType = 0x8100;
    private const byte Tcp = 6, Udp = 17;

    /// <summary>Writes the full checksum into an IPv4 TCP or UDP frame; false (and nothing written) for any other frame.</summary>
    public static bool Complete(Span<byte> frame)
    {
        int offset = EthernetLength;
        if (frame.Length < offset) return false;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type == VlanType)
        {
            if (frame.Length < offset + VlanLength) return false;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            offset += VlanLength;
        }
        if (type != Ipv4Type || frame.Length < offset + Ipv4Header.MinLength) return false;
        var ip = frame[offset..];
        int headerLength = (ip[0] & 0x0F) * 4, totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ip[0] >> 4 != 4 || headerLength < Ipv4Header.MinLength || totalLength < headerLength || totalLength > ip.Length) return false;
        // A fragment other than the first carries no transport header.
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1FFF) != 0) return false;
        byte protocol = ip[9];
        int checksumAt = protocol switch { Tcp => 16, Udp => 6, _ => -1 };
        var segment = ip[headerLength..totalLength];
        if (checksumAt < 0 || segment.Length < checksumAt + 2) return false;
        var source = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(ip[12..]));
        var destination = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(ip[16..]));
        segment[checksumAt] = 0;
        segment[checksumAt + 1] = 0;
        ulong sum = InternetChecksum.Accumulate(InternetChecksum.PseudoHeader(source, destination, protocol, segment.Length), segment);
        ushort checksum = (ushort)~InternetChecksum.Fold(sum);
        // UDP sends a computed zero as all ones: zero there means "no checksum" (RFC 768).
        if (protocol == Udp && checksum == 0) checksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumAt..], checksum);
        return true;
    }
}
