using NetMobility.Wire;

namespace NetMobility.Dissect;

public static partial class FrameDissector
{
    private static void DissectIpv4(ReadOnlySpan<byte> packet, FieldList fields, int depth)
    {
        if (depth >= MaxDepth) { fields.SetMalformed("ip", "encapsulation nested too deep"); return; }
        if (!Ipv4Packet.TryCreate(packet, ChecksumPolicy.None, out var ip, out var error))
        {
            fields.SetMalformed("ip", error.Describe());
            return;
        }
        AddIpv4Fields(ip, fields);
        if (!InternetChecksum.Verify(ip.Header)) fields.SetMalformed("ip", "bad checksum");

        // A non-first fragment carries no transport header; a first fragment may carry a cut one.
        if (ip.FragmentOffset != 0) return;
        DissectTransport(ip.Protocol, ip.Payload, ip.Source, ip.Destination, fields, depth);
    }

    private static void AddIpv4Fields(Ipv4Packet ip, FieldList fields)
    {
        fields.Add("ip.version", ip.Version);
        fields.Add("ip.hdr_len", (ulong)ip.HeaderLength);
        fields.Add("ip.dsfield", ip.TypeOfService);
        fields.Add("ip.len", ip.TotalLength);
        fields.Add("ip.id", ip.Identification);
        fields.Add("ip.flags.df", ip.DontFragment);
        fields.Add("ip.flags.mf", ip.MoreFragments);
        fields.Add("ip.frag_offset", (ulong)ip.FragmentOffset * 8);
        fields.Add("ip.ttl", ip.TimeToLive);
        fields.Add("ip.proto", (ulong)ip.Protocol);
        fields.Add("ip.checksum", ip.Checksum);
        fields.Add("ip.src", ip.Source.ToString());
        fields.Add("ip.dst", ip.Destination.ToString());
    }

    /// <summary>The payload of an IPv4 datagram (or of a minimal-encapsulation header), by protocol.</summary>
    private static void DissectTransport(IpProtocol protocol, ReadOnlySpan<byte> payload, Ipv4Address source, Ipv4Address destination, FieldList fields, int depth)
    {
        switch (protocol)
        {
            case IpProtocol.Gre:
                DissectGre(payload, fields, depth);
                break;
            case IpProtocol.IpInIp:
                DissectIpv4(payload, fields, depth + 1);
                break;
            case IpProtocol.Icmp:
                DissectIcmp(payload, fields, depth);
                break;
            case IpProtocol.Udp:
                DissectUdp(payload, source, destination, fields, depth);
                break;
            case IpProtocol.Tcp:
                DissectTcp(payload, source, destination, fields);
                break;
            case IpProtocol.MinimalEncapsulation:
                DissectMinimalEncapsulation(payload, source, fields, depth + 1);
                break;
        }
    }

    /// <summary>
    /// RFC 2004 forwarding header. Wireshark has no dissector for protocol 55, so the fields are named
    /// <c>minenc.*</c> after the same pattern. The original datagram's source is the outer source unless
    /// the header carries one (S bit, RFC 2004 sec 3).
    /// </summary>
    private static void DissectMinimalEncapsulation(ReadOnlySpan<byte> payload, Ipv4Address outerSource, FieldList fields, int depth)
    {
        if (depth >= MaxDepth) { fields.SetMalformed("minenc", "encapsulation nested too deep"); return; }
        if (!MinimalForwardingPacket.TryCreate(payload, ChecksumPolicy.None, out var min, out var error))
        {
            fields.SetMalformed("minenc", error.Describe());
            return;
        }
        fields.Add("minenc.proto", (ulong)min.Protocol);
        fields.Add("minenc.s", min.SourcePresent);
        fields.Add("minenc.checksum", min.Checksum);
        fields.Add("minenc.dst", min.OriginalDestination.ToString());
        if (min.OriginalSource is Ipv4Address src) fields.Add("minenc.src", src.ToString());
        if (!InternetChecksum.Verify(payload[..min.HeaderLength])) fields.SetMalformed("minenc", "bad checksum");
        DissectTransport(min.Protocol, min.Payload, min.OriginalSource ?? outerSource, min.OriginalDestination, fields, depth);
    }
}
