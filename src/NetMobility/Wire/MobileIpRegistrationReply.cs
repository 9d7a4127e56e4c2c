using System.Buffers.Binary;

namespace NetMobility.Wire;

/*  Registration Reply, RFC 5944 sec 3.4 (the UDP payload, port 434):

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |     Type      |     Code      |           Lifetime            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                          Home Address                         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                           Home Agent                          |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                                                               |
    +                         Identification                        +
    |                                                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    | Extensions ...
    +-+-+-+-+-+-+-+-
*/
file static class ReplyField
{
    public const int Type = 0;
    public const int Code = 1;
    public const int Lifetime = 2;
    public const int HomeAddress = 4;
    public const int HomeAgent = 8;
    public const int Identification = 12;
    public const int Extensions = 20;
}

/// <summary>
/// Zero-copy view of a Registration Reply: the whole UDP payload, fixed part and extensions.
/// <see cref="TryCreate"/> checks the length, the type and every extension (RFC 5944 sec 1.9);
/// after it succeeds every accessor is safe.
/// </summary>
public readonly ref struct RegistrationReplyPacket
{
    public ReadOnlySpan<byte> Buffer { get; }

    private RegistrationReplyPacket(ReadOnlySpan<byte> buffer) => Buffer = buffer;

    public static bool TryCreate(ReadOnlySpan<byte> buffer, out RegistrationReplyPacket message, out WireError error)
    {
        message = default;
        if (buffer.Length < ReplyField.Extensions) { error = WireError.Truncated; return false; }
        if (buffer[ReplyField.Type] != (byte)MobileIpMessageType.RegistrationReply) { error = WireError.Unsupported; return false; }
        if (!MobileIpExtensions.TryValidate(buffer, ReplyField.Extensions, MobileIpMessageType.RegistrationReply, out error)) return false;
        message = new RegistrationReplyPacket(buffer);
        return true;
    }

    public RegistrationReplyCode Code => (RegistrationReplyCode)Buffer[ReplyField.Code];
    /// <summary>Seconds granted; when the code denies the registration the value has no meaning (RFC 5944 sec 3.4).</summary>
    public ushort Lifetime => BinaryPrimitives.ReadUInt16BigEndian(Buffer[ReplyField.Lifetime..]);
    public Ipv4Address HomeAddress => Ipv4Address.Read(Buffer[ReplyField.HomeAddress..]);
    public Ipv4Address HomeAgent => Ipv4Address.Read(Buffer[ReplyField.HomeAgent..]);
    public ulong Identification => BinaryPrimitives.ReadUInt64BigEndian(Buffer[ReplyField.Identification..]);
    public MobileIpExtensions Extensions => new(Buffer, ReplyField.Extensions);

    public RegistrationReply Reply => new(Code, Lifetime, HomeAddress, HomeAgent, Identification);
}

/// <summary>Representation of the fixed part of a Registration Reply (RFC 5944 sec 3.4).</summary>
public readonly record struct RegistrationReply(
    RegistrationReplyCode Code, ushort Lifetime, Ipv4Address HomeAddress, Ipv4Address HomeAgent, ulong Identification)
{
    /// <summary>Length of the fixed part; extensions follow it.</summary>
    public const int FixedLength = ReplyField.Extensions;

    public int Length => FixedLength;

    /// <summary>
    /// Parses a whole Registration Reply. The extensions are checked too (one that sinks the message
    /// fails the parse), but <paramref name="bytesConsumed"/> covers the fixed part only: the extensions
    /// that follow it are read through <see cref="RegistrationReplyPacket.Extensions"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RegistrationReply reply, out int bytesConsumed, out WireError error)
    {
        reply = default;
        bytesConsumed = 0;
        if (!RegistrationReplyPacket.TryCreate(buffer, out var message, out error)) return false;
        reply = message.Reply;
        bytesConsumed = FixedLength;
        return true;
    }

    /// <summary>Writes the Type octet and the fixed part into the first <see cref="Length"/> bytes; returns the bytes written.</summary>
    public int Emit(Span<byte> buffer)
    {
        var fixedPart = buffer[..FixedLength];
        fixedPart[ReplyField.Type] = (byte)MobileIpMessageType.RegistrationReply;
        fixedPart[ReplyField.Code] = (byte)Code;
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[ReplyField.Lifetime..], Lifetime);
        HomeAddress.Write(fixedPart[ReplyField.HomeAddress..]);
        HomeAgent.Write(fixedPart[ReplyField.HomeAgent..]);
        BinaryPrimitives.WriteUInt64BigEndian(fixedPart[ReplyField.Identification..], Identification);
        return FixedLength;
    }
}
