using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetMobility.Migration.Transports;

/// <summary>
/// TLS for migration channels, always with certificates on both ends (mutual authentication). A peer is
/// trusted either through the system's chain validation, or, with <see cref="PinnedPeerSha256"/>, by the
/// SHA-256 of its certificate alone. <see cref="PreSharedKey"/> is the pre-shared-key form: both hosts
/// hold the same self-signed certificate and key, and each accepts only a peer that presents it.
/// </summary>
public sealed record TlsOptions
{
    public const string DefaultTargetHost = "netmob-migration";

    /// <summary>This host's certificate, with its private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>SHA-256 of the one certificate the peer may present, as hex; null to rely on chain validation.</summary>
    public string? PinnedPeerSha256 { get; init; }

    public string TargetHost { get; init; } = DefaultTargetHost;

    /// <summary>Both ends share <paramref name="sharedCertificate"/> (certificate and key) and trust nothing else.</summary>
    public static TlsOptions PreSharedKey(X509Certificate2 sharedCertificate) => new()
    {
        Certificate = sharedCertificate,
        PinnedPeerSha256 = Sha256Of(sharedCertificate),
    };

    public static string Sha256Of(X509Certificate certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>A self-signed ECDSA P-256 certificate valid for a year, for a lab host or a pre-shared key.</summary>
    public static X509Certificate2 CreateSelfSigned(string subject = DefaultTargetHost)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(subject);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }

    internal bool Validate(X509Certificate? peer, SslPolicyErrors errors)
    {
        if (peer is null) return false;
        if (PinnedPeerSha256 is { } pin) return string.Equals(Sha256Of(peer), pin, StringComparison.OrdinalIgnoreCase);
        return errors == SslPolicyErrors.None;
    }

    internal SslClientAuthenticationOptions ClientOptions() => new()
    {
        TargetHost = TargetHost,
        ClientCertificates = [Certificate],
        RemoteCertificateValidationCallback = (_, peer, _, errors) => Validate(peer, errors),
    };

    internal SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        ClientCertificateRequired = true,
        RemoteCertificateValidationCallback = (_, peer, _, errors) => Validate(peer, errors),
    };
}
