using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  Tunnel Data message, RFC 3519 sec 3.3: a tunnelled datagram carried in UDP (port 434) through NAT.

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |    Type = 4   |  Next Header  |           Reserved            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  the encapsulated datagram: an IPv4 header, a GRE header or a minimal forwarding header ...
*/
file static class TunnelDataField
{
    public const int Type = 0;
    public const int NextHeader = 1;
    public const int Reserved = 2;
    public const int HeaderLength = 4;
}

/// <summary>
/// Zero-copy view of a tunnel data message (RFC 3519 sec 3.3). Any next header parses; which ones to accept
/// (4 IP in IP, 47 GRE, 55 minimal encapsulation) is the caller's choice. The reserved field is ignored.
/// </summary>
public readonly ref struct TunnelDataPacket
{
    public ReadOnlySpan<byte> Buffer { get; }

    private TunnelDataPacket(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, out TunnelDataPacket message, out WireError error)
    {
        message = default;
        if (buffer.Length < TunnelDataField.HeaderLength) { error = WireError.Truncated; return false; }
        if (buffer[TunnelDataField.Type] != (byte)MobileIpMessageType.TunnelData) { error = WireError.Unsupported; return false; }
        message = new TunnelDataPacket(buffer);
        error = WireError.None;
        return true;
    }

    public IpProtocol NextHeader => (IpProtocol)Buffer[TunnelDataField.NextHeader];
    public ReadOnlySpan<byte> Payload => Buffer[TunnelDataField.HeaderLength..];
}

/// <summary>Representation of a tunnel data message header (RFC 3519 sec 3.3).</summary>
public readonly record struct TunnelDataHeader(IpProtocol NextHeader)
{
    public const int HeaderLength = TunnelDataField.HeaderLength;

    public int Length => HeaderLength;

    public static bool TryParse(ReadOnlySpan<byte> buffer, out TunnelDataHeader header, out int bytesConsumed, out WireError error)
    {
        header = default;
        bytesConsumed = 0;
        if (!TunnelDataPacket.TryCreate(buffer, out var message, out error)) return false;
        header = new TunnelDataHeader(message.NextHeader);
        bytesConsumed = HeaderLength;
        return true;
    }

    /// <summary>Writes the four header octets, reserved field zero; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        var header = buffer[..HeaderLength];
        header[TunnelDataField.Type] = (byte)MobileIpMessageType.TunnelData;
        header[TunnelDataField.NextHeader] = (byte)NextHeader;
        BinaryPrimitives.WriteUInt16BigEndian(header[TunnelDataField.Reserved..], 0);
        return HeaderLength;
    }
}
