using NetMobility.Wire;

namespace NetMobility.Dissect;

public static partial class FrameDissector
{
    private static void DissectUdp(ReadOnlySpan<byte> payload, Ipv4Address source, Ipv4Address destination, FieldList fields, int depth)
    {
        if (!UdpDatagram.TryCreate(payload, out var udp, out var error))
        {
            fields.SetMalformed("udp", error.Describe());
            return;
        }
        fields.Add("udp.srcport", udp.SourcePort);
        fields.Add("udp.dstport", udp.DestinationPort);
        fields.Add("udp.length", udp.Length);
        fields.Add("udp.checksum", udp.Checksum);
        if (udp.HasChecksum && !udp.IsChecksumValid(source, destination)) fields.SetMalformed("udp", "bad checksum");
        if (udp.SourcePort == MobileIpPort || udp.DestinationPort == MobileIpPort)
            DissectMobileIp(udp.Payload, fields, depth);
    }
}
