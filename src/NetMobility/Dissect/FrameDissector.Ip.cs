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
        if (!InternetChecksum.Verify(ip.Header)) fields.SetMalformed("ip", "bad checksum");

        // A non-first fragment carries no transport header; a first fragment may carry a cut one.
        if (ip.FragmentOffset != 0) return;
        var payload = ip.Payload;
        switch (ip.Protocol)
        {
            case IpProtocol.Gre:
                DissectGre(payload, fields, depth);
                break;
            case IpProtocol.IpInIp:
                DissectIpv4(payload, fields, depth + 1);
                break;
        }
    }
}
