using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>ARP and RARP operation codes (RFC 826, RFC 903).</summary>
public enum ArpOpcode : ushort
{
    Request = 1,
    Reply = 2,
    /// <summary>RARP "request reverse" (RFC 903), carried under EtherType 0x8035.</summary>
    ReverseRequest = 3,
    /// <summary>RARP "reply reverse" (RFC 903), carried under EtherType 0x8035.</summary>
    ReverseReply = 4,
}

/*  ARP / RARP for Ethernet and IPv4 (RFC 826, RFC 903): htype 1, ptype 0x0800, hlen 6, plen 4.

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |        Hardware type          |         Protocol type         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  HW addr len  | Proto addr len|            Opcode             |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                 Sender hardware address (6)                   |
    +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                               |  Sender protocol address (4)  |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
    |                               |                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
    |                 Target hardware address (6)                   |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                  Target protocol address (4)                  |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
*/
file static class ArpField
{
    public const int HardwareType = 0;
    public const int ProtocolType = 2;
    public const int HardwareLength = 4;
    public const int ProtocolLength = 5;
    public const int Opcode = 6;
    public const int SenderHardware = 8;
    public const int SenderProtocol = 14;
    public const int TargetHardware = 18;
    public const int TargetProtocol = 24;
    /// <summary>The fixed part: enough to tell the address sizes apart.</summary>
    public const int FixedLength = 8;
    public const int Length = 28;

    public const ushort EthernetHardware = 1;
}

/// <summary>
/// Zero-copy view of an ARP or RARP packet for Ethernet/IPv4. <see cref="TryCreate"/> checks the
/// address types and sizes and the length once; after it succeeds every accessor is safe.
/// Bytes after the 28-byte packet (Ethernet padding) are not part of <see cref="Buffer"/>.
/// </summary>
public readonly ref struct ArpPacket
{
    public ReadOnlySpan<byte> Buffer { get; }

    private ArpPacket(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, out ArpPacket packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < ArpField.FixedLength) { error = WireError.Truncated; return false; }
        if (BinaryPrimitives.ReadUInt16BigEndian(buffer[ArpField.HardwareType..]) != ArpField.EthernetHardware
            || BinaryPrimitives.ReadUInt16BigEndian(buffer[ArpField.ProtocolType..]) != (ushort)EtherType.Ipv4
            || buffer[ArpField.HardwareLength] != MacAddress.Length
            || buffer[ArpField.ProtocolLength] != Ipv4Address.Length)
        {
            error = WireError.Unsupported;
            return false;
        }
        if (buffer.Length < ArpField.Length) { error = WireError.Truncated; return false; }
        ushort opcode = BinaryPrimitives.ReadUInt16BigEndian(buffer[ArpField.Opcode..]);
        if (opcode is < (ushort)ArpOpcode.Request or > (ushort)ArpOpcode.ReverseReply) { error = WireError.Unsupported; return false; }
        packet = new ArpPacket(buffer[..ArpField.Length]);
        error = WireError.None;
        return true;
    }

    public ArpOpcode Opcode => (ArpOpcode)BinaryPrimitives.ReadUInt16BigEndian(Buffer[ArpField.Opcode..]);
    public MacAddress SenderMac => MacAddress.Read(Buffer[ArpField.SenderHardware..]);
    public Ipv4Address SenderIp => Ipv4Address.Read(Buffer[ArpField.SenderProtocol..]);
    public MacAddress TargetMac => MacAddress.Read(Buffer[ArpField.TargetHardware..]);
    public Ipv4Address TargetIp => Ipv4Address.Read(Buffer[ArpField.TargetProtocol..]);
}

/// <summary>Representation of an ARP or RARP packet for Ethernet/IPv4.</summary>
public readonly record struct ArpMessage(ArpOpcode Opcode, MacAddress SenderMac, Ipv4Address SenderIp, MacAddress TargetMac, Ipv4Address TargetIp)
{
    public const int PacketLength = ArpField.Length;

    public int Length => ArpField.Length;

    /// <summary>The EtherType that carries this message: RARP (0x8035) for opcodes 3 and 4, ARP otherwise (RFC 903).</summary>
    public EtherType EtherType => IsReverse ? EtherType.Rarp : EtherType.Arp;

    public bool IsReverse => Opcode is ArpOpcode.ReverseRequest or ArpOpcode.ReverseReply;

    /// <summary>
    /// Gratuitous ARP: a request or reply announcing the sender's own binding, sender IP equal to target IP
    /// (RFC 5944 sec 4.6; RFC 5227 sec 2.3 calls the request form an ARP Announcement).
    /// </summary>
    public bool IsGratuitous => Opcode is ArpOpcode.Request or ArpOpcode.Reply && SenderIp == TargetIp && !SenderIp.IsUnspecified;

    /// <summary>RFC 5227 sec 2.1.1 ARP Probe: a request with an all-zero sender IP asking who holds the target IP.</summary>
    public bool IsProbe => Opcode == ArpOpcode.Request && SenderIp.IsUnspecified && !TargetIp.IsUnspecified;

    /// <summary>Who has <paramref name="targetIp"/>? Target hardware address zero (RFC 826 leaves it unused in a request).</summary>
    public static ArpMessage Request(MacAddress senderMac, Ipv4Address senderIp, Ipv4Address targetIp) =>
        new(ArpOpcode.Request, senderMac, senderIp, MacAddress.Zero, targetIp);

    public static ArpMessage Reply(MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac, Ipv4Address targetIp) =>
        new(ArpOpcode.Reply, senderMac, senderIp, targetMac, targetIp);

    /// <summary>RFC 5227 sec 2.3 ARP Announcement: a request with sender and target IP both <paramref name="ip"/>, target MAC zero.</summary>
    public static ArpMessage Announcement(MacAddress mac, Ipv4Address ip) => new(ArpOpcode.Request, mac, ip, MacAddress.Zero, ip);

    /// <summary>RFC 5227 sec 2.1.1 ARP Probe for <paramref name="ip"/>: sender IP zero, target MAC zero.</summary>
    public static ArpMessage Probe(MacAddress mac, Ipv4Address ip) => new(ArpOpcode.Request, mac, Ipv4Address.Any, MacAddress.Zero, ip);

    /// <summary>
    /// RARP request for one's own address (RFC 903: sender and target hardware address both <paramref name="mac"/>).
    /// Hypervisors broadcast it after a migration so that switches learn the new port.
    /// </summary>
    public static ArpMessage ReverseRequest(MacAddress mac) => new(ArpOpcode.ReverseRequest, mac, Ipv4Address.Any, mac, Ipv4Address.Any);

    public static bool TryParse(ReadOnlySpan<byte> buffer, out ArpMessage message, out int bytesConsumed, out WireError error)
    {
        message = default;
        bytesConsumed = 0;
        if (!ArpPacket.TryCreate(buffer, out var packet, out error)) return false;
        message = new ArpMessage(packet.Opcode, packet.SenderMac, packet.SenderIp, packet.TargetMac, packet.TargetIp);
        bytesConsumed = ArpField.Length;
        return true;
    }

    /// <summary>Writes the 28-byte packet into the start of <paramref name="buffer"/>; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ArpField.HardwareType..], ArpField.EthernetHardware);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ArpField.ProtocolType..], (ushort)Wire.EtherType.Ipv4);
        buffer[ArpField.HardwareLength] = MacAddress.Length;
        buffer[ArpField.ProtocolLength] = Ipv4Address.Length;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ArpField.Opcode..], (ushort)Opcode);
        SenderMac.Write(buffer[ArpField.SenderHardware..]);
        SenderIp.Write(buffer[ArpField.SenderProtocol..]);
        TargetMac.Write(buffer[ArpField.TargetHardware..]);
        TargetIp.Write(buffer[ArpField.TargetProtocol..]);
        return ArpField.Length;
    }
}
