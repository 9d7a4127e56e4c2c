using System.Security.Cryptography.X509Certificates;
using NetMobility.Migration.Transports;

namespace NetMobility.Tests.Migration.TwoHosts;

/// <summary>A self-signed certificate and its key written as PEM files in a test's directory.</summary>
internal sealed record PemPair(string Certificate, string Key, string Sha256)
{
    public static PemPair Create(string directory, string name)
    {
        using var certificate = TlsOptions.CreateSelfSigned($"{name}.netmob.test");
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no ECDSA key");
        string cert = Path.Combine(directory, $"{name}.crt"), keyFile = Path.Combine(directory, $"{name}.key");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return new PemPair(cert, keyFile, TlsOptions.Sha256Of(certificate));
    }

    /// <summary>The command-line options for this host's side: its own pair and the one peer it trusts.</summary>
    public string[] Arguments(PemPair peer, bool pin = false) =>
        ["--cert", Certificate, "--key", Key, .. pin ? new[] { "--peer-pin", peer.Sha256 } : ["--peer-cert", peer.Certificate]];
}
