using System.Buffers.Binary;

namespace NetMobility.Wire;

/// <summary>
/// Builds a registration message in a caller's buffer: first the fixed part (<see cref="Write(in RegistrationRequest)"/>
/// or <see cref="Write(in RegistrationReply)"/>), then extensions in wire order. An authentication extension
/// is computed over everything written before it, so it goes after the extensions it protects
/// (RFC 5944 sec 3.6.1.3). The buffer must be large enough; <see cref="Written"/> is the message.
/// </summary>
public ref struct MobileIpMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public MobileIpMessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    public readonly int Length => _length;
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Write(in RegistrationRequest request) => _length += request.Emit(_buffer[_length..]);

    public void Write(in RegistrationReply reply) => _length += reply.Emit(_buffer[_length..]);

    /// <summary>Encapsulating Delivery Style (RFC 3024 sec 3.3): Type 130 and Length 0.</summary>
    public void WriteEncapsulatingDeliveryStyle() => WriteExtension(MobileIpExtensionType.EncapsulatingDeliveryStyle, []);

    public void Write(in UdpTunnelRequestExtension extension) => _length += extension.Emit(_buffer[_length..]);

    public void Write(in UdpTunnelReplyExtension extension) => _length += extension.Emit(_buffer[_length..]);

    /// <summary>Any extension in the Type-Length-Data format of RFC 5944 sec 1.9 (at most 255 data octets).</summary>
    public void WriteExtension(MobileIpExtensionType type, ReadOnlySpan<byte> data)
    {
        if (data.Length > byte.MaxValue) throw new ArgumentOutOfRangeException(nameof(data), data.Length, "an extension carries at most 255 data octets");
        var e = _buffer.Slice(_length, MobileIpExtension.HeaderLength + data.Length);
        e[0] = (byte)type;
        e[1] = (byte)data.Length;
        data.CopyTo(e[MobileIpExtension.HeaderLength..]);
        _length += e.Length;
    }

    /// <summary>
    /// Appends an authentication extension (32, 33 or 34) whose 128-bit authenticator covers the message
    /// written so far plus this extension's Type, Length and SPI (RFC 5944 sec 3.5.1).
    /// </summary>
    public void WriteAuthentication(MobileIpExtensionType type, uint spi, MobileIpAuthenticationAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        if (type is not (MobileIpExtensionType.MobileHomeAuthentication
                         or MobileIpExtensionType.MobileForeignAuthentication
                         or MobileIpExtensionType.ForeignHomeAuthentication))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "not an authentication extension type");
        }
        const int dataLength = AuthenticationExtension.SpiLength + MobileIpAuthentication.AuthenticatorLength;
        var e = _buffer.Slice(_length, MobileIpExtension.HeaderLength + dataLength);
        e[0] = (byte)type;
        e[1] = dataLength;
        BinaryPrimitives.WriteUInt32BigEndian(e[MobileIpExtension.HeaderLength..], spi);
        int protectedLength = _length + MobileIpExtension.HeaderLength + AuthenticationExtension.SpiLength;
        MobileIpAuthentication.Compute(algorithm, key, _buffer[..protectedLength], _buffer[protectedLength..]);
        _length += e.Length;
    }
}
