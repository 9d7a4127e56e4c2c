using System.Buffers.Binary;
using NetMobility.Wire;

namespace NetMobility.Mobility.Registration;

/// <summary>
/// A mobility security association (RFC 5944 sec 1.6 and 3.5.1): the SPI that names it, the algorithm and
/// key of its authenticators, and its replay protection with the state that goes with it (the last
/// Identification accepted, the nonce last handed out). One per peer: a mobile node's home address at its
/// home agent, a foreign agent's address at a home agent, and so on. Used from one thread at a time.
/// </summary>
public sealed class MobilitySecurityAssociation
{
    /// <summary>RFC 5944 sec 5.7.1: the default tolerance between a timestamp and the receiver's clock.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(7);

    private readonly byte[] _key;

    public MobilitySecurityAssociation(
        uint spi,
        ReadOnlySpan<byte> key,
        MobileIpAuthenticationAlgorithm algorithm = MobileIpAuthenticationAlgorithm.HmacMd5,
        ReplayProtection replay = ReplayProtection.Timestamps,
        TimeSpan? tolerance = null)
    {
        // RFC 5944 sec 3.5.1: SPI values 0 through 255 are reserved.
        if (spi < ReservedSpiCount) throw new ArgumentOutOfRangeException(nameof(spi), spi, "SPIs 0-255 are reserved (RFC 5944 sec 3.5.1)");
        if (key.IsEmpty) throw new ArgumentException("a security association needs a key", nameof(key));
        var window = tolerance ?? DefaultTolerance;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero, nameof(tolerance));
        Spi = spi;
        _key = key.ToArray();
        Algorithm = algorithm;
        Replay = replay;
        Tolerance = window;
    }

    public const uint ReservedSpiCount = 256;

    /// <summary>Bytes of an authentication extension with a 128-bit authenticator: Type, Length, SPI, authenticator.</summary>
    public const int ExtensionLength = MobileIpExtension.HeaderLength + AuthenticationExtension.SpiLength + MobileIpAuthentication.AuthenticatorLength;

    public uint Spi { get; }
    public MobileIpAuthenticationAlgorithm Algorithm { get; }
    public ReadOnlySpan<byte> Key => _key;
    public ReplayProtection Replay { get; }

    /// <summary>How far a timestamp may be from the receiver's clock, either way.</summary>
    public TimeSpan Tolerance { get; }

    /// <summary>The Identification of the last registration accepted under this association, when there was one.</summary>
    public ulong? LastAccepted { get; internal set; }

    /// <summary>The nonce this side handed out last and expects back in the high-order 32 bits (nonce protection).</summary>
    public uint? IssuedNonce { get; internal set; }

    /// <summary>Checks the authenticator of <paramref name="extension"/> in <paramref name="message"/> with this association's key.</summary>
    public bool Verify(ReadOnlySpan<byte> message, MobileIpExtension extension) =>
        MobileIpAuthentication.Verify(Algorithm, _key, message, extension);

    /// <summary>Appends an authentication extension of <paramref name="type"/> computed with this association.</summary>
    public void Authenticate(ref MobileIpMessageWriter writer, MobileIpExtensionType type) =>
        writer.WriteAuthentication(type, Spi, Algorithm, _key);

    /// <summary>
    /// Appends an authentication extension of <paramref name="type"/> after the first <paramref name="length"/> bytes of
    /// <paramref name="message"/> (a message being relayed, already in place) and returns the new length.
    /// </summary>
    public int Authenticate(Span<byte> message, int length, MobileIpExtensionType type)
    {
        const int dataLength = AuthenticationExtension.SpiLength + MobileIpAuthentication.AuthenticatorLength;
        var extension = message.Slice(length, MobileIpExtension.HeaderLength + dataLength);
        extension[0] = (byte)type;
        extension[1] = dataLength;
        BinaryPrimitives.WriteUInt32BigEndian(extension[MobileIpExtension.HeaderLength..], Spi);
        // RFC 5944 sec 3.5.1: the authenticator covers the message from its first octet up to this SPI.
        int protectedLength = length + MobileIpExtension.HeaderLength + AuthenticationExtension.SpiLength;
        MobileIpAuthentication.Compute(Algorithm, _key, message[..protectedLength], message[protectedLength..]);
        return length + extension.Length;
    }
}
