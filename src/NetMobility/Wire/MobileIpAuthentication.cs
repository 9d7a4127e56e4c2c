using System.Buffers;
using System.Security.Cryptography;

namespace NetMobility.Wire;

/// <summary>How an authenticator is computed from the mobility security association's key.</summary>
public enum MobileIpAuthenticationAlgorithm
{
    /// <summary>HMAC-MD5 (RFC 2104), the default of RFC 5944 sec 3.5.1.</summary>
    HmacMd5,
    /// <summary>Keyed MD5 in "prefix+suffix" mode, MD5(key || protected fields || key): the default of RFC 2002 sec 3.5.1.</summary>
    KeyedMd5PrefixSuffix,
}

/// <summary>
/// Authenticators of the Mobile-Home, Mobile-Foreign and Foreign-Home authentication extensions.
/// RFC 5944 sec 3.5.1: the authenticator protects the UDP payload from its first octet up to and including
/// the SPI of the authentication extension itself (the fixed part, all earlier extensions, and this one's
/// Type, Length and SPI); the authenticator field and the UDP header are left out. Nothing here allocates.
/// </summary>
public static class MobileIpAuthentication
{
    /// <summary>Both algorithms give an MD5-sized, 128-bit authenticator.</summary>
    public const int AuthenticatorLength = 16;

    /// <summary>Extension fields covered by their own authenticator: Type, Length and the 4-byte SPI.</summary>
    private const int CoveredExtensionPrefix = MobileIpExtension.HeaderLength + AuthenticationExtension.SpiLength;

    // Keyed MD5 concatenates key, data and key; up to this many bytes that buffer lives on the stack.
    private const int StackLimit = 512;

    /// <summary>How many leading bytes of the message the authenticator of <paramref name="extension"/> protects.</summary>
    public static int ProtectedLength(MobileIpExtension extension) => extension.Offset + CoveredExtensionPrefix;

    /// <summary>
    /// Computes the authenticator over <paramref name="protectedBytes"/> (the message up to and including the SPI)
    /// into the first <see cref="AuthenticatorLength"/> bytes of <paramref name="authenticator"/>.
    /// </summary>
    public static void Compute(MobileIpAuthenticationAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> protectedBytes, Span<byte> authenticator)
    {
        var output = authenticator[..AuthenticatorLength];
        if (algorithm == MobileIpAuthenticationAlgorithm.HmacMd5)
        {
            HMACMD5.HashData(key, protectedBytes, output);
            return;
        }
        ComputePrefixSuffix(key, protectedBytes, output);
    }

    /// <summary>
    /// Checks the authenticator of <paramref name="extension"/> (an authentication extension read from
    /// <paramref name="message"/>) in constant time. False when the extension is not an authentication
    /// extension of this message or does not carry a 128-bit authenticator.
    /// </summary>
    public static bool Verify(MobileIpAuthenticationAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, MobileIpExtension extension)
    {
        if (extension.Type is not (MobileIpExtensionType.MobileHomeAuthentication
                                   or MobileIpExtensionType.MobileForeignAuthentication
                                   or MobileIpExtensionType.ForeignHomeAuthentication)) return false;
        if (extension.DataLength != AuthenticationExtension.SpiLength + AuthenticatorLength) return false;
        if (extension.Offset < 0 || extension.End > message.Length) return false;

        int protectedLength = ProtectedLength(extension);
        Span<byte> expected = stackalloc byte[AuthenticatorLength];
        Compute(algorithm, key, message[..protectedLength], expected);
        return CryptographicOperations.FixedTimeEquals(expected, message.Slice(protectedLength, AuthenticatorLength));
    }

    private static void ComputePrefixSuffix(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> output)
    {
        int length = key.Length + data.Length + key.Length;
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> joined = rented is null ? stackalloc byte[StackLimit] : rented;
        joined = joined[..length];
        key.CopyTo(joined);
        data.CopyTo(joined[key.Length..]);
        key.CopyTo(joined[(key.Length + data.Length)..]);
        MD5.HashData(joined, output);
        // The buffer held the key twice; do not leave it behind on the stack or in the pool.
        CryptographicOperations.ZeroMemory(joined);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }
}
