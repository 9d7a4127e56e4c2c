using NetMobility.Capture;
using NetMobility.Wire;

namespace NetMobility.Dissect;

/// <summary>
/// Walks one captured frame down the protocol chain (Ethernet, ARP/RARP, IPv4, ICMP, UDP, TCP, GRE,
/// IP-in-IP, minimal encapsulation, Mobile IPv4) and records every field under its Wireshark
/// display-filter name. Never throws on bad bytes: a layer that does not parse marks the frame malformed
/// with the layer and reason, and the fields decoded before it stay.
/// Checksums are reported, not enforced, so that a frame with a bad checksum still shows its fields.
/// </summary>
public static partial class FrameDissector
{
    /// <summary>How deep encapsulations may nest before the dissector stops (a GRE-in-GRE loop in hostile input).</summary>
    private const int MaxDepth = 8;

    public static void Dissect(ReadOnlySpan<byte> frame, LinkType linkType, FieldList fields)
    {
        switch (linkType)
        {
            case LinkType.Ethernet:
                DissectEthernet(frame, fields);
                break;
            case LinkType.Raw:
            case LinkType.RawIpv4:
                if (frame.Length > 0 && frame[0] >> 4 != 4) fields.SetMalformed("ip", $"version {frame[0] >> 4} is not IPv4");
                else DissectIpv4(frame, fields, 0);
                break;
            default:
                fields.SetMalformed("frame", $"link type {(ushort)linkType} is not decoded");
                break;
        }
    }

    private static void DissectEthernet(ReadOnlySpan<byte> frame, FieldList fields)
    {
        if (!EthernetFrame.TryCreate(frame, out var eth, out var error))
        {
            fields.SetMalformed("eth", error.Describe());
            return;
        }
        fields.Add("eth.dst", eth.Destination.ToString());
        fields.Add("eth.src", eth.Source.ToString());
        if (eth.VlanId is ushort vid)
        {
            fields.Add("eth.type", (ulong)EtherType.Vlan);
            fields.Add("vlan.priority", eth.Priority);
            fields.Add("vlan.id", vid);
            fields.Add("vlan.etype", (ulong)eth.EtherType);
        }
        else
        {
            fields.Add("eth.type", (ulong)eth.EtherType);
        }
        DissectEtherPayload(eth.EtherType, eth.Payload, fields, 0);
    }

    private static void DissectEtherPayload(EtherType type, ReadOnlySpan<byte> payload, FieldList fields, int depth)
    {
        switch (type)
        {
            case EtherType.Arp:
            case EtherType.Rarp:
                DissectArp(payload, fields);
                break;
            case EtherType.Ipv4:
                DissectIpv4(payload, fields, depth);
                break;
            case EtherType.TransparentEthernetBridging:
                if (depth >= MaxDepth) { fields.SetMalformed("eth", "encapsulation nested too deep"); return; }
                if (!EthernetFrame.TryCreate(payload, out var inner, out var error)) { fields.SetMalformed("eth", error.Describe()); return; }
                fields.Add("eth.dst", inner.Destination.ToString());
                fields.Add("eth.src", inner.Source.ToString());
                fields.Add("eth.type", (ulong)inner.EtherType);
                DissectEtherPayload(inner.EtherType, inner.Payload, fields, depth + 1);
                break;
        }
    }

    private static void DissectArp(ReadOnlySpan<byte> payload, FieldList fields)
    {
        if (!ArpPacket.TryCreate(payload, out var arp, out var error))
        {
            fields.SetMalformed("arp", error.Describe());
            return;
        }
        fields.Add("arp.hw.type", 1UL);
        fields.Add("arp.proto.type", (ulong)EtherType.Ipv4);
        fields.Add("arp.hw.size", 6UL);
        fields.Add("arp.proto.size", 4UL);
        fields.Add("arp.opcode", (ulong)arp.Opcode);
        fields.Add("arp.src.hw_mac", arp.SenderMac.ToString());
        fields.Add("arp.src.proto_ipv4", arp.SenderIp.ToString());
        fields.Add("arp.dst.hw_mac", arp.TargetMac.ToString());
        fields.Add("arp.dst.proto_ipv4", arp.TargetIp.ToString());
    }
}
