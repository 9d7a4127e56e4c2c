using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Dissect;

public static partial class FrameDissector
{
    public const ushort MobileIpPort = 434;

    /// <summary>Mobile IPv4 registration messages on UDP 434 (RFC 5944 sec 3.3, 3.4) and RFC 3519 tunnel data.</summary>
    private static void DissectMobileIp(ReadOnlySpan<byte> message, FieldList fields, int depth)
    {
        if (message.IsEmpty) { fields.SetMalformed("mip", "truncated"); return; }
        switch ((MobileIpMessageType)message[0])
        {
            case MobileIpMessageType.RegistrationRequest:
                if (!RegistrationRequestPacket.TryCreate(message, out var request, out var error)) { fields.SetMalformed("mip", error.Describe()); return; }
                fields.Add("mip.type", 1UL);
                byte flags = message[1];
                fields.Add("mip.flags", flags);
                fields.Add("mip.s", (flags & 0x80) != 0);
                fields.Add("mip.b", (flags & 0x40) != 0);
                fields.Add("mip.d", (flags & 0x20) != 0);
                fields.Add("mip.m", (flags & 0x10) != 0);
                fields.Add("mip.g", (flags & 0x08) != 0);
                fields.Add("mip.v", (flags & 0x04) != 0);
                fields.Add("mip.t", (flags & 0x02) != 0);
                fields.Add("mip.x", (flags & 0x01) != 0);
                fields.Add("mip.life", request.Lifetime);
                fields.Add("mip.homeaddr", request.HomeAddress.ToString());
                fields.Add("mip.haaddr", request.HomeAgent.ToString());
                fields.Add("mip.coa", request.CareOfAddress.ToString());
                fields.Add("mip.ident", request.Identification);
                DissectMobileIpExtensions(request.Extensions, message, fields);
                break;
            case MobileIpMessageType.RegistrationReply:
                if (!RegistrationReplyPacket.TryCreate(message, out var reply, out error)) { fields.SetMalformed("mip", error.Describe()); return; }
                fields.Add("mip.type", 3UL);
                fields.Add("mip.code", (ulong)reply.Code);
                fields.Add("mip.life", reply.Lifetime);
                fields.Add("mip.homeaddr", reply.HomeAddress.ToString());
                fields.Add("mip.haaddr", reply.HomeAgent.ToString());
                fields.Add("mip.ident", reply.Identification);
                DissectMobileIpExtensions(reply.Extensions, message, fields);
                break;
            case MobileIpMessageType.TunnelData:
                if (!TunnelDataPacket.TryCreate(message, out var data, out error)) { fields.SetMalformed("mip", error.Describe()); return; }
                fields.Add("mip.type", 4UL);
                fields.Add("mip.nattt.nexthdr", (ulong)data.NextHeader);
                // RFC 3519 sec 3.3: IP in IP, or GRE (RFC 2784) before the inner packet.
                if (data.NextHeader == IpProtocol.IpInIp) DissectIpv4(data.Payload, fields, depth + 1);
                else if (data.NextHeader == IpProtocol.Gre) DissectGre(data.Payload, fields, depth);
                break;
            default:
                fields.Add("mip.type", message[0]);
                break;
        }
    }

    private static void DissectMobileIpExtensions(MobileIpExtensions extensions, ReadOnlySpan<byte> message, FieldList fields)
    {
        foreach (var extension in extensions)
        {
            fields.Add("mip.ext.type", (ulong)extension.Type);
            fields.Add("mip.ext.len", (ulong)extension.DataLength);
            var data = extension.Data(message);
            switch (extension.Type)
            {
                case MobileIpExtensionType.MobileHomeAuthentication:
                case MobileIpExtensionType.MobileForeignAuthentication:
                case MobileIpExtensionType.ForeignHomeAuthentication:
                    if (AuthenticationExtension.TryParse(data, out var auth, out var authenticator, out _))
                    {
                        fields.Add("mip.auth.spi", auth.Spi);
                        fields.AddHex("mip.auth.auth", authenticator);
                    }
                    break;
                case MobileIpExtensionType.UdpTunnelRequest:
                    // RFC 3519 sec 3.1: sub-type, reserved, flags F R, reserved, encapsulation, reserved.
                    fields.Add("mip.ext.utrq.subtype", data[0]);
                    fields.Add("mip.ext.utrq.f", (data[2] & 0x80) != 0);
                    fields.Add("mip.ext.utrq.r", (data[2] & 0x40) != 0);
                    fields.Add("mip.ext.utrq.encaptype", data[3]);
                    break;
                case MobileIpExtensionType.UdpTunnelReply:
                    // RFC 3519 sec 3.2: sub-type, reply code, flags F + reserved, keepalive interval.
                    fields.Add("mip.ext.utrp.subtype", data[0]);
                    fields.Add("mip.ext.utrp.code", data[1]);
                    fields.Add("mip.ext.utrp.f", (data[2] & 0x80) != 0);
                    fields.Add("mip.ext.utrp.keepalive", BinaryPrimitives.ReadUInt16BigEndian(data[4..]));
                    break;
            }
        }
    }
}
