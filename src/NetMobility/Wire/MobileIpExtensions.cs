using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  Extensions of registration messages, RFC 5944 sec 1.9: one after another to the end of the UDP payload.

     0                   1                   2
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |     Type      |    Length     |    Data ...
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    Length counts the data octets only.

    Authentication extensions 32, 33, 34 (RFC 5944 sec 3.5.2-3.5.4), Length = 4 + authenticator:
    |     Type      |     Length    |         SPI ....
    |        ... SPI (cont.)        |       Authenticator ...

    Encapsulating Delivery Style 130 (RFC 3024 sec 3.3): Type and Length = 0, nothing else.

    UDP Tunnel Request 144 (RFC 3519 sec 3.1), Length = 6:
    |     Type      |    Length     |    Sub-Type   |   Reserved 1  |
    |F|R| Reserved 2| Encapsulation |          Reserved 3           |

    UDP Tunnel Reply 44 (RFC 3519 sec 3.2), Length = 6:
    |     Type      |    Length     |    Sub-Type   |  Reply Code   |
    |F|        Reserved             |     Keepalive Interval        |

    The one-byte padding extension (type 0) belongs to the ICMP router discovery set (RFC 5944 sec 2.1.3),
    not to registration messages: here a 0 is an unrecognised, non-skippable type like any other.
*/
file static class ExtensionField
{
    public const int Type = 0;
    public const int Length = 1;
    public const int HeaderLength = 2;
    public const int SpiLength = 4;
    public const int UdpTunnelLength = 6;
    public const int SkippableFrom = 128;
}

/// <summary>
/// Where one extension sits in its message: <see cref="Offset"/> of its Type octet from the start of the
/// UDP payload and <see cref="Length"/> of the whole extension (Type and Length octets included).
/// </summary>
public readonly record struct MobileIpExtension(MobileIpExtensionType Type, int Offset, int Length)
{
    public const int HeaderLength = ExtensionField.HeaderLength;

    /// <summary>RFC 5944 sec 1.9: a type of 128 or more may be skipped by a node that does not know it.</summary>
    public bool IsSkippable => (byte)Type >= ExtensionField.SkippableFrom;
    public int DataOffset => Offset + ExtensionField.HeaderLength;
    public int DataLength => Length - ExtensionField.HeaderLength;
    public int End => Offset + Length;

    /// <summary>The data octets of this extension within <paramref name="message"/>, the message it was read from.</summary>
    public ReadOnlySpan<byte> Data(ReadOnlySpan<byte> message) => message.Slice(DataOffset, DataLength);
}

/// <summary>
/// The extensions of one registration message, in wire order, read in place. Created only by the message
/// views after every extension was checked, so walking it cannot fail.
/// </summary>
public readonly ref struct MobileIpExtensions
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _start;

    internal MobileIpExtensions(ReadOnlySpan<byte> message, int start)
    {
        _message = message;
        _start = start;
    }

    /// <summary>The number of extensions, recognised or skipped.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var _ in this) n++;
            return n;
        }
    }

    /// <summary>The first extension of <paramref name="type"/>, if the message has one.</summary>
    public bool TryFind(MobileIpExtensionType type, out MobileIpExtension extension)
    {
        foreach (var e in this)
        {
            if (e.Type == type) { extension = e; return true; }
        }
        extension = default;
        return false;
    }

    public Enumerator GetEnumerator() => new(_message, _start);

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _message;
        private int _next;

        internal Enumerator(ReadOnlySpan<byte> message, int start)
        {
            _message = message;
            _next = start;
            Current = default;
        }

        public MobileIpExtension Current { get; private set; }

        public bool MoveNext()
        {
            if (_next >= _message.Length) return false;
            int length = ExtensionField.HeaderLength + _message[_next + ExtensionField.Length];
            Current = new MobileIpExtension((MobileIpExtensionType)_message[_next], _next, length);
            _next += length;
            return true;
        }
    }

    /// <summary>
    /// Checks every extension from <paramref name="start"/> to the end of <paramref name="message"/>:
    /// each fits in the buffer, recognised ones have the length their RFC fixes, and an unrecognised type
    /// below 128 invalidates the message (RFC 5944 sec 1.9: "MUST be silently discarded").
    /// </summary>
    internal static bool TryValidate(ReadOnlySpan<byte> message, int start, MobileIpMessageType messageType, out WireError error)
    {
        int offset = start;
        while (offset < message.Length)
        {
            if (message.Length - offset < ExtensionField.HeaderLength) { error = WireError.Truncated; return false; }
            var type = (MobileIpExtensionType)message[offset + ExtensionField.Type];
            int dataLength = message[offset + ExtensionField.Length];
            if (message.Length - offset - ExtensionField.HeaderLength < dataLength) { error = WireError.Truncated; return false; }
            if (!IsWellFormed(type, dataLength, messageType, out error)) return false;
            offset += ExtensionField.HeaderLength + dataLength;
        }
        error = WireError.None;
        return true;
    }

    private static bool IsWellFormed(MobileIpExtensionType type, int dataLength, MobileIpMessageType messageType, out WireError error)
    {
        bool recognised;
        bool rightLength;
        switch (type)
        {
            case MobileIpExtensionType.MobileHomeAuthentication:
            case MobileIpExtensionType.MobileForeignAuthentication:
            case MobileIpExtensionType.ForeignHomeAuthentication:
                recognised = true;
                rightLength = dataLength >= ExtensionField.SpiLength;
                break;
            case MobileIpExtensionType.EncapsulatingDeliveryStyle:
                recognised = messageType == MobileIpMessageType.RegistrationRequest;
                rightLength = dataLength == 0;
                break;
            case MobileIpExtensionType.UdpTunnelRequest:
                recognised = messageType == MobileIpMessageType.RegistrationRequest;
                rightLength = dataLength == ExtensionField.UdpTunnelLength;
                break;
            case MobileIpExtensionType.UdpTunnelReply:
                recognised = messageType == MobileIpMessageType.RegistrationReply;
                rightLength = dataLength == ExtensionField.UdpTunnelLength;
                break;
            default:
                recognised = false;
                rightLength = true;
                break;
        }
        if (!recognised)
        {
            // RFC 5944 sec 1.9: an unrecognised type 128-255 is skipped, one below 128 sinks the message.
            error = (byte)type >= ExtensionField.SkippableFrom ? WireError.None : WireError.Unsupported;
            return error == WireError.None;
        }
        error = rightLength ? WireError.None : WireError.BadOption;
        return rightLength;
    }
}

/// <summary>
/// The fixed part of an authentication extension (RFC 5944 sec 3.5.2-3.5.4): the Security Parameter Index
/// that names the mobility security association. The authenticator follows it.
/// </summary>
public readonly record struct AuthenticationExtension(uint Spi)
{
    public const int SpiLength = ExtensionField.SpiLength;

    /// <summary>Reads the SPI and the authenticator from an authentication extension's data octets.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out AuthenticationExtension extension, out ReadOnlySpan<byte> authenticator, out WireError error)
    {
        authenticator = default;
        extension = default;
        if (data.Length < ExtensionField.SpiLength) { error = WireError.BadOption; return false; }
        extension = new AuthenticationExtension(BinaryPrimitives.ReadUInt32BigEndian(data));
        authenticator = data[ExtensionField.SpiLength..];
        error = WireError.None;
        return true;
    }
}

/// <summary>
/// UDP Tunnel Request extension (RFC 3519 sec 3.1): the mobile node asks for its traffic in UDP tunnels
/// (through NAT). <see cref="Force"/> is the F flag (UDP tunnelling even where no NAT is detected),
/// <see cref="RegistrationRequired"/> the R flag (FA registration required); <see cref="Encapsulation"/>
/// names what the tunnel data messages will carry (4 IP in IP, 47 GRE, 55 minimal encapsulation).
/// </summary>
public readonly record struct UdpTunnelRequestExtension(IpProtocol Encapsulation, bool Force = false, bool RegistrationRequired = false, byte SubType = 0)
{
    private const byte ForceBit = 0x80;
    private const byte RegistrationRequiredBit = 0x40;

    /// <summary>Extension length on the wire, Type and Length octets included.</summary>
    public const int Length = ExtensionField.HeaderLength + ExtensionField.UdpTunnelLength;

    public static bool TryParse(ReadOnlySpan<byte> data, out UdpTunnelRequestExtension extension, out WireError error)
    {
        extension = default;
        if (data.Length != ExtensionField.UdpTunnelLength) { error = WireError.BadOption; return false; }
        byte flags = data[2];
        extension = new UdpTunnelRequestExtension((IpProtocol)data[3], (flags & ForceBit) != 0, (flags & RegistrationRequiredBit) != 0, data[0]);
        error = WireError.None;
        return true;
    }

    /// <summary>Writes the whole extension, Type and Length included, reserved fields zero; returns <see cref="Length"/>.</summary>
    public int Emit(Span<byte> buffer)
    {
        var e = buffer[..Length];
        e[ExtensionField.Type] = (byte)MobileIpExtensionType.UdpTunnelRequest;
        e[ExtensionField.Length] = ExtensionField.UdpTunnelLength;
        e[2] = SubType;
        e[3] = 0; // Reserved 1
        e[4] = (byte)((Force ? ForceBit : 0) | (RegistrationRequired ? RegistrationRequiredBit : 0));
        e[5] = (byte)Encapsulation;
        BinaryPrimitives.WriteUInt16BigEndian(e[6..], 0); // Reserved 3
        return Length;
    }
}

/// <summary>
/// UDP Tunnel Reply extension (RFC 3519 sec 3.2): the home agent's answer to a UDP tunnel request.
/// <see cref="Code"/> 0 means the agent will tunnel in UDP, 64 that it declines; <see cref="KeepaliveInterval"/>
/// is in seconds.
/// </summary>
public readonly record struct UdpTunnelReplyExtension(byte Code, ushort KeepaliveInterval, bool Force = false, byte SubType = 0)
{
    private const ushort ForceBit = 0x8000;

    /// <summary>RFC 3519 sec 3.2: reply code "will do tunneling".</summary>
    public const byte WillTunnel = 0;
    /// <summary>RFC 3519 sec 3.2: reply code "tunneling declined, reason unspecified".</summary>
    public const byte Declined = 64;

    /// <summary>Extension length on the wire, Type and Length octets included.</summary>
    public const int Length = ExtensionField.HeaderLength + ExtensionField.UdpTunnelLength;

    public static bool TryParse(ReadOnlySpan<byte> data, out UdpTunnelReplyExtension extension, out WireError error)
    {
        extension = default;
        if (data.Length != ExtensionField.UdpTunnelLength) { error = WireError.BadOption; return false; }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        extension = new UdpTunnelReplyExtension(data[1], BinaryPrimitives.ReadUInt16BigEndian(data[4..]), (flags & ForceBit) != 0, data[0]);
        error = WireError.None;
        return true;
    }

    /// <summary>Writes the whole extension, Type and Length included, reserved bits zero; returns <see cref="Length"/>.</summary>
    public int Emit(Span<byte> buffer)
    {
        var e = buffer[..Length];
        e[ExtensionField.Type] = (byte)MobileIpExtensionType.UdpTunnelReply;
        e[ExtensionField.Length] = ExtensionField.UdpTunnelLength;
        e[2] = SubType;
        e[3] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(e[4..], Force ? ForceBit : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(e[6..], KeepaliveInterval);
        return Length;
    }
}
