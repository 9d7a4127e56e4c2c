using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Dissect;

public static partial class FrameDissector
{
    private static void DissectIcmp(ReadOnlySpan<byte> payload, FieldList fields, int depth)
    {
        if (!Icmpv4Packet.TryCreate(payload, ChecksumPolicy.None, out var icmp, out var error))
        {
            fields.SetMalformed("icmp", error.Describe());
            return;
        }
        fields.Add("icmp.type", (ulong)icmp.Type);
        fields.Add("icmp.code", icmp.Code);
        fields.Add("icmp.checksum", icmp.Checksum);
        if (!icmp.IsChecksumValid) fields.SetMalformed("icmp", "bad checksum");
        switch (icmp.Type)
        {
            case Icmpv4Type.EchoRequest:
            case Icmpv4Type.EchoReply:
                fields.Add("icmp.ident", icmp.Identifier);
                fields.Add("icmp.seq", icmp.SequenceNumber);
                break;
            case Icmpv4Type.DestinationUnreachable:
            case Icmpv4Type.TimeExceeded:
                if (icmp.Type == Icmpv4Type.DestinationUnreachable && icmp.Code == (byte)Icmpv4UnreachableCode.FragmentationNeeded)
                    fields.Add("icmp.mtu", icmp.NextHopMtu);
                // The quoted datagram's fields follow, as Wireshark shows them (ip.* repeated, inner second).
                if (icmp.TryGetQuotedDatagram(out var quoted, out _))
                    DissectQuotedIpv4(quoted, fields);
                break;
            case Icmpv4Type.RouterAdvertisement:
                DissectRouterAdvertisement(icmp, fields);
                break;
        }
    }

    /// <summary>
    /// The datagram an ICMP error quotes (RFC 792: its header and the first 8 bytes of its payload). Its
    /// checksums cannot be checked (the payload is cut and a router may have changed the header), so only
    /// fields are recorded, the transport ones from those 8 bytes.
    /// </summary>
    private static void DissectQuotedIpv4(Ipv4Packet ip, FieldList fields)
    {
        AddIpv4Fields(ip, fields);
        var head = ip.Payload;
        if (ip.FragmentOffset != 0 || head.Length < 8) return;
        switch (ip.Protocol)
        {
            case IpProtocol.Icmp:
                fields.Add("icmp.type", head[0]);
                fields.Add("icmp.code", head[1]);
                fields.Add("icmp.checksum", BinaryPrimitives.ReadUInt16BigEndian(head[2..]));
                if (head[0] is (byte)Icmpv4Type.EchoRequest or (byte)Icmpv4Type.EchoReply)
                {
                    fields.Add("icmp.ident", BinaryPrimitives.ReadUInt16BigEndian(head[4..]));
                    fields.Add("icmp.seq", BinaryPrimitives.ReadUInt16BigEndian(head[6..]));
                }
                break;
            case IpProtocol.Udp:
                fields.Add("udp.srcport", BinaryPrimitives.ReadUInt16BigEndian(head));
                fields.Add("udp.dstport", BinaryPrimitives.ReadUInt16BigEndian(head[2..]));
                fields.Add("udp.length", BinaryPrimitives.ReadUInt16BigEndian(head[4..]));
                fields.Add("udp.checksum", BinaryPrimitives.ReadUInt16BigEndian(head[6..]));
                break;
            case IpProtocol.Tcp:
                fields.Add("tcp.srcport", BinaryPrimitives.ReadUInt16BigEndian(head));
                fields.Add("tcp.dstport", BinaryPrimitives.ReadUInt16BigEndian(head[2..]));
                fields.Add("tcp.seq", BinaryPrimitives.ReadUInt32BigEndian(head[4..]));
                break;
        }
    }

    /// <summary>Router advertisement (RFC 1256) and its Mobile IP extensions (RFC 5944 sec 2.1).</summary>
    private static void DissectRouterAdvertisement(Icmpv4Packet icmp, FieldList fields)
    {
        fields.Add("icmp.num_addrs", icmp.RouterAddressCount);
        fields.Add("icmp.addr_entry_size", icmp.AddressEntrySize);
        fields.Add("icmp.lifetime", icmp.Lifetime);
        for (int i = 0; i < icmp.RouterAddressCount; i++)
        {
            fields.Add("icmp.router_address", icmp.GetRouterAddress(i).ToString());
            fields.Add("icmp.pref_level", unchecked((ulong)(long)icmp.GetPreference(i)));
        }
        var reader = icmp.ReadExtensions();
        while (reader.MoveNext())
        {
            var extension = reader.Current;
            fields.Add("icmp.mip.type", (ulong)extension.Type);
            if (extension.Type == AgentAdvertisementExtensionType.OneBytePadding) continue;
            fields.Add("icmp.mip.length", (ulong)extension.Data.Length);
            switch (extension.Type)
            {
                case AgentAdvertisementExtensionType.MobilityAgentAdvertisement:
                    if (!MobilityAgentAdvertisementExtension.TryCreate(extension.Data, out var agent, out var error))
                    {
                        fields.SetMalformed("icmp.mip", error.Describe());
                        return;
                    }
                    var flags = (ushort)agent.Flags;
                    fields.Add("icmp.mip.seq", agent.SequenceNumber);
                    fields.Add("icmp.mip.life", agent.RegistrationLifetime);
                    fields.Add("icmp.mip.flags", flags);
                    fields.Add("icmp.mip.r", (flags & 0x8000) != 0);
                    fields.Add("icmp.mip.b", (flags & 0x4000) != 0);
                    fields.Add("icmp.mip.h", (flags & 0x2000) != 0);
                    fields.Add("icmp.mip.f", (flags & 0x1000) != 0);
                    fields.Add("icmp.mip.m", (flags & 0x0800) != 0);
                    fields.Add("icmp.mip.g", (flags & 0x0400) != 0);
                    fields.Add("icmp.mip.v", (flags & 0x0200) != 0);
                    fields.Add("icmp.mip.rt", (flags & 0x0100) != 0);
                    fields.Add("icmp.mip.u", (flags & 0x0080) != 0);
                    fields.Add("icmp.mip.x", (flags & 0x0040) != 0);
                    // RFC 4857's I bit; Wireshark counts it among icmp.mip.reserved and has no name for it.
                    fields.Add("icmp.mip.i", (flags & 0x0020) != 0);
                    for (int i = 0; i < agent.CareOfAddressCount; i++)
                        fields.Add("icmp.mip.coa", agent.GetCareOfAddress(i).ToString());
                    break;
                case AgentAdvertisementExtensionType.PrefixLengths:
                    foreach (byte prefix in extension.Data) fields.Add("icmp.mip.prefixlength", prefix);
                    break;
            }
        }
        if (reader.Error != WireError.None) fields.SetMalformed("icmp.mip", reader.Error.Describe());
    }
}
