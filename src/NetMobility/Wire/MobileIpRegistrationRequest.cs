using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  Registration Request, RFC 5944 sec 3.3 (the UDP payload, port 434):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |     Type      |S|B|D|M|G|r|T|x|          Lifetime             |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                          Home Address                         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                           Home Agent                          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                        Care-of Address                        |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                                                               |
    +                         Identification                        +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    | Extensions ...
    +-+-+-+-+-+-+-+-
*/
file static class RequestField
{
    public const int Type = 0;
    public const int Flags = 1;
    public const int Lifetime = 2;
    public const int HomeAddress = 4;
    public const int HomeAgent = 8;
    public const int CareOfAddress = 12;
    public const int Identification = 16;
    public const int Extensions = 24;
    // r (0x04) and x (0x01) are "sent as zero; ignored on reception".
    public const byte DefinedFlags = 0xFA;
}

/// <summary>
/// Zero-copy view of a Registration Request: the whole UDP payload, fixed part and extensions.
/// <see cref="TryCreate"/> checks the length, the type and every extension (RFC 5944 sec 1.9);
/// after it succeeds every accessor is safe.
/// </summary>
public readonly ref struct RegistrationRequestPacket
{
    public ReadOnlySpan<byte> Buffer { get; }

    private RegistrationRequestPacket(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, out RegistrationRequestPacket message, out WireError error)
    {
        message = default;
        if (buffer.Length < RequestField.Extensions) { error = WireError.Truncated; return false; }
        if (buffer[RequestField.Type] != (byte)MobileIpMessageType.RegistrationRequest) { error = WireError.Unsupported; return false; }
        if (!MobileIpExtensions.TryValidate(buffer, RequestField.Extensions, MobileIpMessageType.RegistrationRequest, out error)) return false;
        message = new RegistrationRequestPacket(buffer);
        return true;
    }

    /// <summary>The S B D M G T flags; the reserved r and x bits are left out, as RFC 5944 sec 3.3 ignores them.</summary>
    public RegistrationFlags Flags => (RegistrationFlags)(Buffer[RequestField.Flags] & RequestField.DefinedFlags);
    /// <summary>Seconds the binding should last; 0 deregisters, 0xFFFF is infinity (RFC 5944 sec 3.3).</summary>
    public ushort Lifetime => BinaryPrimitives.ReadUInt16BigEndian(Buffer[RequestField.Lifetime..]);
    public Ipv4Address HomeAddress => Ipv4Address.Read(Buffer[RequestField.HomeAddress..]);
    public Ipv4Address HomeAgent => Ipv4Address.Read(Buffer[RequestField.HomeAgent..]);
    public Ipv4Address CareOfAddress => Ipv4Address.Read(Buffer[RequestField.CareOfAddress..]);
    /// <summary>64-bit identification against replay (RFC 5944 sec 5.7): a timestamp or a nonce pair.</summary>
    public ulong Identification => BinaryPrimitives.ReadUInt64BigEndian(Buffer[RequestField.Identification..]);
    public MobileIpExtensions Extensions => new(Buffer, RequestField.Extensions);

    public RegistrationRequest Request => new(Flags, Lifetime, HomeAddress, HomeAgent, CareOfAddress, Identification);
}

/// <summary>Representation of the fixed part of a Registration Request (RFC 5944 sec 3.3).</summary>
public readonly record struct RegistrationRequest(
    RegistrationFlags Flags, ushort Lifetime, Ipv4Address HomeAddress, Ipv4Address HomeAgent, Ipv4Address CareOfAddress, ulong Identification)
{
    /// <summary>Length of the fixed part; extensions follow it.</summary>
    public const int FixedLength = RequestField.Extensions;
    /// <summary>RFC 5944 sec 3.3: a lifetime of 0xFFFF means infinity.</summary>
    public const ushort InfiniteLifetime = 0xFFFF;

    public int Length => FixedLength;

    /// <summary>
    /// Parses a whole Registration Request. The extensions are checked too (one that sinks the message
    /// fails the parse), but <paramref name="bytesConsumed"/> covers the fixed part only: the extensions
    /// that follow it are read through <see cref="RegistrationRequestPacket.Extensions"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RegistrationRequest request, out int bytesConsumed, out WireError error)
    {
        request = default;
        bytesConsumed = 0;
        if (!RegistrationRequestPacket.TryCreate(buffer, out var message, out error)) return false;
        request = message.Request;
        bytesConsumed = FixedLength;
        return true;
    }

    /// <summary>Writes the Type octet and the fixed part into the first <see cref="Length"/> bytes; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        var fixedPart = buffer[..FixedLength];
        fixedPart[RequestField.Type] = (byte)MobileIpMessageType.RegistrationRequest;
        fixedPart[RequestField.Flags] = (byte)((byte)Flags & RequestField.DefinedFlags);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[RequestField.Lifetime..], Lifetime);
        HomeAddress.Write(fixedPart[RequestField.HomeAddress..]);
        HomeAgent.Write(fixedPart[RequestField.HomeAgent..]);
        CareOfAddress.Write(fixedPart[RequestField.CareOfAddress..]);
        BinaryPrimitives.WriteUInt64BigEndian(fixedPart[RequestField.Identification..], Identification);
        return FixedLength;
    }
}
